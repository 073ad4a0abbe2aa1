"""Counts the resources CloudFormation gets from template.yaml after the SAM transform (the stack
limit is 500): `.venv/bin/python infra/scripts/resource_count.py [template.yaml]`. The SAM
translator comes with cfn-lint in the test command's virtualenv."""

import os
import sys
from collections import Counter

os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
from cfnlint.decode import decode  # noqa: E402
from samtranslator.translator.transform import transform  # noqa: E402


class NoManagedPolicies:
    def load(self):
        return {}


template, matches = decode(sys.argv[1] if len(sys.argv) > 1 else "template.yaml")
if matches:
    sys.exit(f"template does not decode: {matches}")
# The transform wants packaged code; the count does not depend on where it is.
template["Globals"]["Function"]["CodeUri"] = "s3://bucket/key"
resources = transform(template, {"AWS::Region": "us-east-1"}, NoManagedPolicies())["Resources"]
print(f"{len(resources)} resources after the SAM transform (CloudFormation allows 500 per stack)")
for kind, count in Counter(r["Type"] for r in resources.values()).most_common():
    print(f"  {count:4} {kind}")
