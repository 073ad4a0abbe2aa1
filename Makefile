.PHONY: run test bench cold-start lint fmt deploy-build

## Start the whole system locally: emulator + every function behind the template's routes on 127.0.0.1:3000
run:
	bash infra/scripts/run.sh

## Run every test (unit, black-box through the local gateway against the emulator) and cfn-lint
test:
	bash infra/scripts/test.sh

## Benchmarks: latency p50/p99 and DynamoDB requests per use case, against the emulator
bench:
	bash infra/scripts/bench.sh

## Cold starts: each measured function's init time against a bare Lambda, in production mode against the emulator
cold-start:
	bash infra/scripts/cold_start.sh

## Formatting and lints as CI expects them
lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings

## Every function built for arm64 in one cargo invocation, and .aws-sam/build/template.yaml for sam deploy
deploy-build:
	bash infra/scripts/deploy_build.sh
