"""Writes the production form of template.yaml: a root stack and nested stacks, every function
published as the alias `live` and shifted to by a gradual CodeDeploy deployment that the alarms
roll back.

    .venv/bin/python infra/scripts/split_stacks.py template.yaml OUT_DIR [--artifacts DIR]

template.yaml stays the one source (the local environment, the least-privilege check and the
OpenAPI description read it; it deploys as one stack with every function switched at once). A
version, an alias and a deployment group per function take the stack over CloudFormation's 500
resources, so this script splits it:

- the root keeps every shared resource (tables, bucket, queues, secrets, alarms, Cognito), the
  HTTP API as plain API Gateway resources (API, stage, the two authorizers), and the functions
  another root resource names (the authorizer, the workers, the sweeper, the sign-in the alarms
  watch);
- each route function goes to the nested stack of its area (`AREAS`, by the route's first path
  segment after /v1/), its HttpApi events turned into an integration with its alias, a route and
  an invoke permission per route;
- whatever a nested stack refers to in the root becomes one of its parameters, passed by the root.

Every function gets `AutoPublishAlias: live` and `DeploymentPreference` (`DeploymentType`, a root
parameter: linear 10% a minute by default) with rollback alarms: the API's 5xx rate for the API
(and the authorizer's errors for the authorizer), the workers' errors for the workers.

`--artifacts DIR` replaces each function's cargo-lambda build metadata by `CodeUri: DIR/<binary>/`
(relative to each written template). The checks at the end (each stack under 450 resources after
the SAM transform, every route of template.yaml once, on its own function's alias, every function
with an alias and rollback alarms) fail the script.
"""

import copy
import json
import os
import re
import sys
from collections import Counter

os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
import yaml  # noqa: E402
from cfnlint.decode import decode  # noqa: E402
from samtranslator.translator.transform import transform  # noqa: E402

# The nested stacks, by the first path segment of a function's route after /v1/ (or before it).
AREAS = {
    "SignInStack": [
        "sessions", "qr-logins", "passkey-sign-ins", "step-up", "sms-codes", "captchas", "oauth",
        "sub-user-sessions", "password-resets", "account-lookups", "mfa", "security", "passkeys",
    ],
    "AccountsStack": [
        "accounts", "sub-users", "agreements", "templates", "console", "account-deletions",
        "appeals", "signed-out-appeals", "cases", "uploads", None,
    ],
    "IdentityStack": ["verifications", "enterprise", "subject-changes", "callbacks"],
    "ReviewStack": ["review", "staff"],
}
ALIAS = "live"
STACK_LIMIT = 450  # CloudFormation allows 500; the rest is headroom for the next functions
DEPLOYMENT_TYPES = [
    "Linear10PercentEvery1Minute", "Linear10PercentEvery2Minutes", "Linear10PercentEvery3Minutes",
    "Linear10PercentEvery10Minutes", "Canary10Percent5Minutes", "Canary10Percent10Minutes",
    "Canary10Percent15Minutes", "Canary10Percent30Minutes", "AllAtOnce",
]
API_ALARMS = ["Api5xxRateAlarm"]
ROLLBACK_ALARMS = {"AuthorizerFunction": ["AuthorizerErrorsAlarm", "Api5xxRateAlarm"]}
WORKER_ALARMS = ["WorkerErrorsAlarm"]
# Beside `SecretsGeneration` (every function), the parameters a function's published version must
# follow by themselves: the authorizer's public keys (a rotation's deploys change only them).
VERSION_PARAMETERS = {"AuthorizerFunction": ", token keys ${TokenPublicKeys}"}
PSEUDO = {"AWS::Region", "AWS::AccountId", "AWS::Partition", "AWS::URLSuffix", "AWS::NoValue"}
INTRINSICS = {
    "Ref", "Fn::GetAtt", "Fn::Sub", "Fn::If", "Fn::Join", "Fn::Select", "Fn::Split",
    "Fn::FindInMap", "Fn::ImportValue", "Fn::Base64", "Fn::Equals", "Fn::Not", "Fn::And", "Fn::Or",
}


def fail(message):
    sys.exit(f"split_stacks: {message}")


def plain(node):
    """cfn-lint's decoded nodes as plain dicts, lists and strings."""
    return json.loads(json.dumps(node))


def intrinsic(node):
    return isinstance(node, dict) and len(node) == 1 and next(iter(node)) in INTRINSICS


def sub_vars(text):
    return re.findall(r"\$\{(?!!)([^}]+)\}", text)


def references(node):
    """Every logical id (or pseudo parameter) a node refers to; `X.Alias` and `X.Arn` as `X`."""
    found = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Ref" and isinstance(value, str):
                found.add(value.split(".")[0] if not value.startswith("AWS::") else value)
            elif key == "Fn::GetAtt":
                target = value[0] if isinstance(value, list) else value.split(".")[0]
                found.add(target)
            elif key == "Fn::Sub":
                text, local = (value, {}) if isinstance(value, str) else (value[0], value[1])
                found |= {v.split(".")[0] if not v.startswith("AWS::") else v for v in sub_vars(text) if v not in local}
                found |= references(local)
            elif key == "Condition" and isinstance(value, str):
                continue
            else:
                found |= references(value)
    elif isinstance(node, list):
        for item in node:
            found |= references(item)
    return found


def camel(text):
    """`STAFF_USER_POOL_ID` -> `StaffUserPoolId`, `UploadsBucket.Arn` -> `UploadsBucketArn`."""
    parts = [p for p in re.split(r"[^A-Za-z0-9]+", text) if p]
    return "".join(p.capitalize() if p.isupper() else p[:1].upper() + p[1:] for p in parts)


# ------------------------------------------------------------------ the flat form


def authorization(props):
    """What a route of template.yaml asks of its caller, as the route's AuthorizationType."""
    authorizer = props.get("Auth", {}).get("Authorizer")
    return {None: "CUSTOM", "NONE": "NONE", "StaffAuthorizer": "JWT"}[authorizer]


def route_key(props):
    method, path = props.get("Method"), props.get("Path")
    if method is None and path is None:
        return "$default"
    return f"{method.upper()} {path}"


def source_arn(key):
    route = "$default" if key == "$default" else key.replace(" ", "", 1)
    route = re.sub(r"\{[^}]+\}", "*", route)
    return {"Fn::Sub": "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${HttpApi}/*/" + route}


def api_resources(api):
    """The SAM HttpApi as plain API Gateway resources: the API, its stage, the two authorizers
    and the session authorizer's invoke permission."""
    props = api["Properties"]
    auth = props["Auth"]
    session = auth["Authorizers"][auth["DefaultAuthorizer"]]
    staff = auth["Authorizers"]["StaffAuthorizer"]
    authorizer_function = session["FunctionArn"]["Fn::GetAtt"][0]
    api_props = {"Name": {"Fn::Sub": "${AWS::StackName}-api"}, "ProtocolType": "HTTP"}
    if "CorsConfiguration" in props:
        api_props["CorsConfiguration"] = props["CorsConfiguration"]
    uri = {"Fn::Join": ["", [
        "arn:", {"Ref": "AWS::Partition"}, ":apigateway:", {"Ref": "AWS::Region"},
        ":lambda:path/2015-03-31/functions/", {"Ref": f"{authorizer_function}.Alias"}, "/invocations",
    ]]}
    return {
        "HttpApi": {"Type": "AWS::ApiGatewayV2::Api", "Properties": api_props},
        # The logical id SAM gives the HttpApi's stage.
        "HttpApiApiGatewayDefaultStage": {"Type": "AWS::ApiGatewayV2::Stage", "Properties": {
            "ApiId": {"Ref": "HttpApi"},
            "StageName": "$default",
            "AutoDeploy": True,
            "DefaultRouteSettings": props["DefaultRouteSettings"],
            "AccessLogSettings": props["AccessLogSettings"],
        }},
        auth["DefaultAuthorizer"]: {"Type": "AWS::ApiGatewayV2::Authorizer", "Properties": {
            "ApiId": {"Ref": "HttpApi"},
            "Name": auth["DefaultAuthorizer"],
            "AuthorizerType": "REQUEST",
            "AuthorizerUri": uri,
            "AuthorizerPayloadFormatVersion": session["AuthorizerPayloadFormatVersion"],
            "EnableSimpleResponses": session["EnableSimpleResponses"],
            "IdentitySource": [f"$request.header.{h}" for h in session["Identity"]["Headers"]],
            "AuthorizerResultTtlInSeconds": session["Identity"]["ReauthorizeEvery"],
        }},
        f"{auth['DefaultAuthorizer']}Permission": {"Type": "AWS::Lambda::Permission", "Properties": {
            "Action": "lambda:InvokeFunction",
            "FunctionName": {"Ref": f"{authorizer_function}.Alias"},
            "Principal": "apigateway.amazonaws.com",
            "SourceArn": {"Fn::Sub": "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${HttpApi}/authorizers/${"
                          + auth["DefaultAuthorizer"] + "}"},
        }},
        "StaffAuthorizer": {"Type": "AWS::ApiGatewayV2::Authorizer", "Properties": {
            "ApiId": {"Ref": "HttpApi"},
            "Name": "StaffAuthorizer",
            "AuthorizerType": "JWT",
            "IdentitySource": [staff["IdentitySource"]],
            "JwtConfiguration": {"Issuer": staff["JwtConfiguration"]["issuer"],
                                 "Audience": staff["JwtConfiguration"]["audience"]},
        }},
    }, auth["DefaultAuthorizer"]


def route_resources(function_id, function, session_authorizer):
    """A function's HttpApi events as an integration with its alias, and a route and an invoke
    permission per event. Returns the resources and the route keys."""
    events = function["Properties"].get("Events", {})
    resources, keys = {}, []
    for name, event in list(events.items()):
        if event["Type"] != "HttpApi":
            continue
        del events[name]
        props = event.get("Properties", {})
        key = route_key(props)
        authorizer = props.get("Auth", {}).get("Authorizer", session_authorizer)
        route = {"ApiId": {"Ref": "HttpApi"}, "RouteKey": key,
                 "Target": {"Fn::Join": ["/", ["integrations", {"Ref": f"{function_id}Integration"}]]}}
        if authorizer == "NONE":
            route["AuthorizationType"] = "NONE"
        else:
            route["AuthorizationType"] = "JWT" if authorizer == "StaffAuthorizer" else "CUSTOM"
            route["AuthorizerId"] = {"Ref": authorizer}
        resources[f"{function_id}{name}Route"] = {"Type": "AWS::ApiGatewayV2::Route", "Properties": route}
        resources[f"{function_id}{name}Permission"] = {"Type": "AWS::Lambda::Permission", "Properties": {
            "Action": "lambda:InvokeFunction",
            "FunctionName": {"Ref": f"{function_id}.Alias"},
            "Principal": "apigateway.amazonaws.com",
            "SourceArn": source_arn(key),
        }}
        keys.append(key)
    if not events:
        function["Properties"].pop("Events", None)
    if keys:
        resources[f"{function_id}Integration"] = {"Type": "AWS::ApiGatewayV2::Integration", "Properties": {
            "ApiId": {"Ref": "HttpApi"},
            "IntegrationType": "AWS_PROXY",
            "IntegrationUri": {"Ref": f"{function_id}.Alias"},
            "PayloadFormatVersion": "2.0",
        }}
    return resources, keys


def area_of(keys):
    if not keys:
        return None
    path = keys[0].split(" ", 1)[1] if " " in keys[0] else None
    segment = None
    if path:
        parts = path.strip("/").split("/")
        segment = parts[1] if parts[0] == "v1" and len(parts) > 1 else parts[0]
    for stack, segments in AREAS.items():
        if segment in segments:
            return stack
    fail(f"no nested stack for the route {keys[0]}: add its first path segment to AREAS")


# ------------------------------------------------------------------ nested stacks' parameters


class Lifter:
    """Turns what a nested stack's resources refer to outside it into parameters."""

    def __init__(self, local):
        self.local = local
        self.parameters = {}  # name -> the root's expression

    def parameter(self, name, expression):
        name = camel(name)[:200] or "Value"
        candidate, n = name, 1
        while candidate in self.parameters and self.parameters[candidate] != expression:
            n += 1
            candidate = f"{name}{n}"
        if "AWS::NoValue" in json.dumps(expression):
            fail(f"{expression} cannot be passed to a nested stack (it may be no value)")
        if any(k in json.dumps(expression) for k in ('"Fn::Split"', '"Fn::GetAZs"')):
            fail(f"{expression} is a list; a nested stack's parameters are strings")
        self.parameters[candidate] = expression
        return candidate

    def is_local(self, name):
        return name in PSEUDO or name.split(".")[0] in self.local

    def lift(self, node, hint="Value"):
        if isinstance(node, list):
            return [self.lift(item, hint) for item in node]
        if not isinstance(node, dict):
            return node
        if not intrinsic(node):
            return {k: self.lift(v, k if k not in ("Value", "Resource") else hint) for k, v in node.items()}
        (kind, value), = node.items()
        if kind == "Ref":
            if self.is_local(value):
                return node
            return {"Ref": self.parameter(value, node)}
        if kind == "Fn::GetAtt":
            target, attribute = (value if isinstance(value, list) else value.split(".", 1))
            if self.is_local(target):
                return node
            return {"Ref": self.parameter(target + attribute, node)}
        if kind == "Fn::Sub" and isinstance(value, str):
            def var(m):
                name = m.group(1)
                if self.is_local(name):
                    return m.group(0)
                if "." in name:
                    target, attribute = name.split(".", 1)
                    return "${" + self.parameter(target + attribute, {"Fn::GetAtt": [target, attribute]}) + "}"
                if name == "AWS::StackName":
                    return "${" + self.parameter("ParentStackName", {"Ref": name}) + "}"
                return "${" + self.parameter(name, {"Ref": name}) + "}"
            return {"Fn::Sub": re.sub(r"\$\{(?!!)([^}]+)\}", var, value)}
        if all(self.is_local(r) for r in references(node)):
            return node
        return {"Ref": self.parameter(hint, node)}


# ------------------------------------------------------------------ the split


def with_artifacts(function, artifacts, template_dir):
    binary = function.get("Metadata", {}).get("BuildProperties", {}).get("Binary")
    if not binary:
        fail("a function has no Metadata.BuildProperties.Binary")
    function.pop("Metadata")
    function["Properties"]["CodeUri"] = os.path.relpath(os.path.join(artifacts, binary), template_dir) + "/"


def split(source):
    template, matches = decode(source)
    if matches:
        fail(f"{source} does not decode: {matches}")
    template = plain(template)
    resources = template["Resources"]
    functions = {k: v for k, v in resources.items() if v["Type"] == "AWS::Serverless::Function"}
    api_id = next(k for k, v in resources.items() if v["Type"] == "AWS::Serverless::HttpApi")
    if api_id != "HttpApi":
        fail("the SAM HttpApi is expected as `HttpApi`")
    declared = {
        fid: [(route_key(e.get("Properties", {})), authorization(e.get("Properties", {})))
              for e in f["Properties"].get("Events", {}).values() if e["Type"] == "HttpApi"]
        for fid, f in functions.items()
    }
    api, session_authorizer = api_resources(resources.pop(api_id))
    flat = dict(resources)
    flat.update(api)
    routes, placement = {}, {}
    for fid, function in functions.items():
        extra, keys = route_resources(fid, function, session_authorizer)
        flat.update(extra)
        routes[fid] = keys
        placement.update({rid: fid for rid in extra})
    # The workers' triggers invoke the alias.
    for resource in flat.values():
        if resource["Type"] == "AWS::Lambda::EventSourceMapping":
            target = resource["Properties"]["FunctionName"]["Ref"]
            resource["Properties"]["FunctionName"] = {"Ref": f"{target}.Alias"}
    # A function stays in the root when a root resource names it.
    shared = {rid for rid in flat if rid not in functions and rid not in placement}
    named = set()
    for rid in shared:
        named |= references(flat[rid])
    for output in template.get("Outputs", {}).values():
        named |= references(output)
    stack_of = {}
    for fid in functions:
        stack_of[fid] = None if fid in named or not routes[fid] else area_of(routes[fid])
    for rid, fid in placement.items():
        stack_of[rid] = stack_of[fid]

    globals_function = template["Globals"]["Function"]
    globals_function["AutoPublishAlias"] = ALIAS
    globals_function["DeploymentPreference"] = {"Type": {"Ref": "DeploymentType"}}
    for fid, function in functions.items():
        alarms = ROLLBACK_ALARMS.get(fid) or (API_ALARMS if routes[fid] else WORKER_ALARMS)
        function["Properties"]["DeploymentPreference"] = {"Alarms": [{"Ref": a} for a in alarms]}
        # SAM publishes a version when the code or the template's (unresolved) properties change,
        # not when a parameter's value does: the description carries the parameters whose change
        # must reach the alias (a new description is a new version).
        description = "configuration ${SecretsGeneration}" + VERSION_PARAMETERS.get(fid, "")
        function["Properties"]["VersionDescription"] = {"Fn::Sub": description}

    root = copy.deepcopy(template)
    root["Parameters"]["DeploymentType"] = {
        "Type": "String",
        "Default": DEPLOYMENT_TYPES[0],
        "AllowedValues": DEPLOYMENT_TYPES,
        "Description": "How CodeDeploy shifts each function's alias `live` to a new version; an alarm "
                       "(Api5xxRateAlarm, AuthorizerErrorsAlarm, WorkerErrorsAlarm) rolls it back.",
    }
    root["Resources"] = {rid: r for rid, r in flat.items() if stack_of.get(rid) is None}
    nested = {}
    for stack in AREAS:
        members = {rid: flat[rid] for rid in flat if stack_of.get(rid) == stack}
        if not members:
            continue
        lifter = Lifter(set(members))
        body = {
            "AWSTemplateFormatVersion": template["AWSTemplateFormatVersion"],
            "Transform": template["Transform"],
            "Description": f"The account centre's {camel(stack[:-5]).lower()} functions (nested in the root stack; "
                           "written by infra/scripts/split_stacks.py from template.yaml).",
        }
        lifted_globals = lifter.lift(globals_function)
        lifted_resources = {rid: lifter.lift(r) for rid, r in members.items()}
        body["Parameters"] = {name: {"Type": "String"} for name in lifter.parameters}
        body["Globals"] = {"Function": lifted_globals}
        body["Resources"] = lifted_resources
        nested[stack] = body
        root["Resources"][stack] = {"Type": "AWS::Serverless::Application", "Properties": {
            "Location": f"stacks/{stack}.yaml",
            "Parameters": dict(lifter.parameters),
        }}
        if len(lifter.parameters) > 200:
            fail(f"{stack} needs {len(lifter.parameters)} parameters (CloudFormation allows 200)")
    return root, nested, declared


def count(template):
    class NoManagedPolicies:
        def load(self):
            return {}

    template = copy.deepcopy(template)
    template["Globals"]["Function"]["CodeUri"] = "s3://bucket/key"
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function":
            resource["Properties"].pop("CodeUri", None)
        if resource["Type"] == "AWS::Serverless::Application":
            resource["Properties"]["Location"] = "https://bucket.s3.amazonaws.com/nested.yaml"
    return transform(template, {"AWS::Region": "us-east-1"}, NoManagedPolicies())["Resources"]


def check(root, nested, declared):
    """Fails unless every route of template.yaml (as declared there) is served once, by its own
    function's alias and with its authorizer, and every function is published with an alias and a
    deployment that alarms roll back."""
    served = Counter()
    for body in [root, *nested.values()]:
        transformed = count(body)
        for rid, resource in transformed.items():
            if resource["Type"] == "AWS::ApiGatewayV2::Route":
                integration = resource["Properties"]["Target"]["Fn::Join"][1][1]["Ref"]
                target = transformed[integration]["Properties"]["IntegrationUri"]["Ref"]
                props = resource["Properties"]
                served[(props["RouteKey"], props["AuthorizationType"], target)] += 1
        functions = [rid for rid, r in transformed.items() if r["Type"] == "AWS::Lambda::Function"]
        for fid in functions:
            alias = transformed.get(f"{fid}Alias{ALIAS}")
            group = transformed.get(f"{fid}DeploymentGroup")
            if alias is None or group is None or not group["Properties"].get("AlarmConfiguration", {}).get("Alarms"):
                fail(f"{fid} has no alias `{ALIAS}` or no deployment rolled back by alarms")
            version = transformed[alias["Properties"]["FunctionVersion"]["Fn::GetAtt"][0]]
            if "${SecretsGeneration}" not in json.dumps(version["Properties"].get("Description")):
                fail(f"{fid}'s version does not follow SecretsGeneration (a parameter change would not reach its alias)")
        yield len(transformed), len(functions)
    expected = Counter((key, auth, f"{fid}Alias{ALIAS}") for fid, routes in declared.items() for key, auth in routes)
    if served != expected:
        fail(f"routes differ from template.yaml: {sorted((served - expected).items())} "
             f"{sorted((expected - served).items())}")


class Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data):
        return True


def write(path, body):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write("# Written by infra/scripts/split_stacks.py from template.yaml: edit that, not this.\n")
        yaml.dump(body, f, Dumper=Dumper, sort_keys=False, width=120)


def main(argv):
    if len(argv) < 2:
        fail("usage: split_stacks.py template.yaml OUT_DIR [--artifacts DIR]")
    source, out = argv[0], argv[1]
    artifacts = argv[argv.index("--artifacts") + 1] if "--artifacts" in argv else None
    root, nested, declared = split(source)
    figures = list(check(root, nested, declared))
    names = ["root", *nested]
    for name, (resources, functions) in zip(names, figures):
        if resources > STACK_LIMIT:
            fail(f"{name} has {resources} resources after the SAM transform (the limit here is {STACK_LIMIT})")
    if artifacts:
        for body, folder in [(root, out), *[(b, os.path.join(out, "stacks")) for b in nested.values()]]:
            for resource in body["Resources"].values():
                if resource["Type"] == "AWS::Serverless::Function":
                    with_artifacts(resource, os.path.abspath(artifacts), os.path.abspath(folder))
    write(os.path.join(out, "template.yaml"), root)
    for stack, body in nested.items():
        write(os.path.join(out, "stacks", f"{stack}.yaml"), body)
    for name, (resources, functions) in zip(names, figures):
        print(f"{name:14} {functions:3} functions, {resources:3} resources after the SAM transform")
    print(f"{sum(len(r) for r in declared.values())} routes, each on its function's alias `{ALIAS}`")


if __name__ == "__main__":
    main(sys.argv[1:])
