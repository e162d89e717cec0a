# Roundtable — the two commands a newcomer needs are `make run` and `make test`.
GO      ?= go
BIN     := bin/roundtable
DEMO_DB ?= data/demo.db
ADDR    ?= :8080

.PHONY: build run test test-short bench fmt clean

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
	$(GO) test -race -count=1 -timeout 25m ./...

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
