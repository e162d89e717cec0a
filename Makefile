# Roundtable — the two commands a newcomer needs are `make run` and `make test`.
GO      ?= go
BIN     := bin/roundtable
DEMO_DB ?= data/demo.db
ADDR    ?= :8080

.PHONY: build run test test-short bench fuzz lint fmt clean

# Fuzz targets (package:target), each with a seed corpus under testdata/.
FUZZ_TARGETS := ./models/reportfile:FuzzReader ./models/textdiff:FuzzWords \
	./models/compensation:FuzzValidate ./models/auditlog:FuzzVerify \
	./models/auditlog:FuzzParseLine ./models/auditlog:FuzzCompactJSON \
	./models/auditlog:FuzzReadEventFast
# A count, not a duration: Go 1.26's fuzz coordinator can report a spurious
# "context deadline exceeded" failure when a duration runs out while a
# worker is mid-input (golang/go#75804, fixed in Go 1.27). A count has no
# deadline to race; 40000 runs take a few seconds per target here.
FUZZTIME ?= 40000x

build:
	$(GO) build -o $(BIN) .

## run: build and start http://localhost:8080 with the demo council (SQLite)
run: build
	./$(BIN) serve --demo --db $(DEMO_DB) --addr $(ADDR)

## test: the whole suite with the race detector; also on PostgreSQL when
## TEST_DATABASE_URL is set, and in a real Chromium (skipped without one
## unless CI=true)
test:
	$(GO) vet ./...
	$(MAKE) --no-print-directory lint
	$(GO) test -race -count=1 -timeout 25m ./...
	$(MAKE) --no-print-directory fuzz

## fuzz: run every fuzz target for FUZZTIME runs (40000x in make test; more by hand)
fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		echo "fuzz $$pkg $$name for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$$name$$" -fuzztime $(FUZZTIME) $$pkg; \
	done

## test-short: quick run without the race detector and without browsers
test-short:
	$(GO) test -short -count=1 ./...

## bench: benchmarks with figures reported as ratios to their limits
bench:
	$(GO) test -run '^$$' -bench . -benchmem -timeout 30m ./...

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf bin

## lint: golangci-lint v2.15.0 with security linters (config in .golangci.yml)
LINT := $(shell $(GO) env GOPATH)/bin/golangci-lint
lint:
	@test -x $(LINT) || GOFLAGS= $(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@v2.15.0
	$(LINT) run ./...
