package auditlog

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"testing"
)

// fuzzSeeds are small exports, intact and damaged, that steer the fuzzer
// toward the interesting paths. They are also committed under
// testdata/fuzz/FuzzVerify (regenerate with AUDITLOG_WRITE_CORPUS=1).
func fuzzSeeds(t testing.TB) map[string][]byte {
	l := newMemLog(t, 5)
	good := writeExport(t, testVKey, l.events, l.signedAt(t, 0, 2, 5))
	deleted := writeExport(t, testVKey, slices.Delete(cloneEvents(l.events), 2, 3), l.signedAt(t, 2))
	rewritten := cloneEvents(l.events)
	rewritten[1].Action = "ballot.void"
	rewritten = rehash(rewritten)
	resigned := writeExport(t, testVKey, rewritten, treeOf(t, rewritten, testSKey).signedAt(t, 2, 5))
	otherKey := writeExport(t, otherVKey, l.events, treeOf(t, l.events, otherSKey).signedAt(t, 3))
	return map[string][]byte{
		"intact":          good,
		"deleted":         deleted,
		"resigned":        resigned,
		"other-key":       otherKey,
		"truncated":       good[:len(good)*2/3],
		"header-only":     good[:bytes.IndexByte(good, '\n')+1],
		"empty":           nil,
		"garbage":         []byte("{\"kind\":\"event\",\"seq\":1}\n[]\n{\n\"\\ud800\"\n"),
		"deep":            []byte(`{"kind":"event","data":` + string(bytes.Repeat([]byte("["), 64)) + "}\n"),
		"crlf-and-blanks": bytes.ReplaceAll(good, []byte("\n"), []byte("\r\n\n")),
	}
}

func FuzzVerify(f *testing.F) {
	seeds := fuzzSeeds(f)
	for _, s := range seeds {
		f.Add(s)
	}
	l := newMemLog(f, 5)
	held := [][]byte{l.sign(f, 2), l.sign(f, 5)}
	head := regexp.MustCompile(`^[0-9a-f]{64}$`)
	f.Fuzz(func(t *testing.T, export []byte) {
		for _, opts := range []VerifyOptions{{}, {TrustedKey: testVKey, TrustedCheckpoints: held}} {
			rep, err := Verify(bytes.NewReader(export), opts)
			if err != nil {
				t.Fatalf("reading from memory failed: %v", err)
			}
			if rep.OK != (len(rep.Problems) == 0) {
				t.Fatalf("OK=%v with %d problems", rep.OK, len(rep.Problems))
			}
			if rep.OK && rep.FirstBadSeq != 0 {
				t.Fatalf("OK but FirstBadSeq=%d", rep.FirstBadSeq)
			}
			if rep.FirstBadSeq < 0 || rep.FirstBadSeq > rep.Count+1 {
				t.Fatalf("FirstBadSeq %d outside 0..%d", rep.FirstBadSeq, rep.Count+1)
			}
			if rep.SignedSize > rep.Count || !head.MatchString(rep.Head) || len(rep.Problems) > maxProblems+1 {
				t.Fatalf("inconsistent report %+v", rep)
			}
			again, _ := Verify(bytes.NewReader(export), opts)
			if !reportsEqual(rep, again) {
				t.Fatalf("not deterministic:\n%+v\n%+v", rep, again)
			}
		}
	})
}

// TestWriteFuzzCorpus regenerates the committed seed corpus. It only runs
// when asked, so that a normal test run never writes to the tree.
func TestWriteFuzzCorpus(t *testing.T) {
	if os.Getenv("AUDITLOG_WRITE_CORPUS") == "" {
		t.Skip("set AUDITLOG_WRITE_CORPUS=1 to regenerate testdata/fuzz/FuzzVerify")
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzVerify")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, data := range fuzzSeeds(t) {
		body := fmt.Sprintf("go test fuzz v1\n[]byte(%s)\n", strconv.Quote(string(data)))
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestFuzzCorpusIsCurrent keeps the committed corpus in step with the seeds,
// so a format change cannot leave it testing a format we no longer write.
func TestFuzzCorpusIsCurrent(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzVerify")
	for name, data := range fuzzSeeds(t) {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatalf("seed %s missing (run with AUDITLOG_WRITE_CORPUS=1): %v", name, err)
		}
		want := fmt.Sprintf("go test fuzz v1\n[]byte(%s)\n", strconv.Quote(string(data)))
		if string(got) != want {
			t.Errorf("seed %s is stale (run with AUDITLOG_WRITE_CORPUS=1)", name)
		}
	}
}
