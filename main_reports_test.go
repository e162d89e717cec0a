package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"roundtable/models/reportfile"
)

func TestDemoDataIsDeterministicAndImportable(t *testing.T) {
	dir := t.TempDir()
	var out, errOut bytes.Buffer
	a, b := filepath.Join(dir, "a.csv"), filepath.Join(dir, "b.csv")
	for _, p := range []string{a, b} {
		if err := run(context.Background(), []string{"demo-data", "--reports", "500", "--seed", "7", "--out", p}, nil, &out, &errOut); err != nil {
			t.Fatalf("demo-data: %v %s", err, errOut.String())
		}
	}
	x, _ := os.ReadFile(a)
	y, _ := os.ReadFile(b)
	if !bytes.Equal(x, y) || len(x) == 0 {
		t.Fatal("the same seed gave different files")
	}
	rd, err := reportfile.Open(bytes.NewReader(x))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for {
		row, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if row.Phone == "" && row.BusinessNumber == "" {
			t.Errorf("line %d has no reporter identity", row.Line)
		}
		n++
	}
	if n != 500 || rd.Summary().Err() != nil {
		t.Errorf("%d valid rows, %v", n, rd.Summary().Err())
	}
	c := filepath.Join(dir, "c.csv")
	if err := run(context.Background(), []string{"demo-data", "--reports", "50", "--out", c, "--cp949", "--korean"}, nil, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	z, _ := os.ReadFile(c)
	rd, err = reportfile.Open(bytes.NewReader(z))
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := rd.Next(); err != nil {
			break
		}
	}
	if rd.Format() != reportfile.FormatCSVCP949 || rd.Summary().Valid != 50 {
		t.Errorf("CP949 file read as %s with %d rows", rd.Format(), rd.Summary().Valid)
	}
	if err := run(context.Background(), []string{"demo-data"}, nil, &out, &errOut); err == nil {
		t.Error("demo-data without --out succeeded")
	}
}

func TestDataKeyLoading(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	dir := t.TempDir()
	t.Setenv("ROUNDTABLE_DATA_KEY", "")
	var f reportFlags
	// No key and not a demo: the server runs without imports.
	s, err := f.loadSealer(dir, false, log)
	if err != nil || s != nil {
		t.Fatalf("without a key: %v %v", s, err)
	}
	// The demo creates the key file, and the next start reads it.
	s1, err := f.loadSealer(dir, true, log)
	if err != nil || s1 == nil {
		t.Fatalf("demo key: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "data.key")); err != nil {
		t.Fatal(err)
	}
	s2, err := f.loadSealer(dir, false, log)
	if err != nil || s2 == nil || s2.ReporterKey("01012345678", "") != s1.ReporterKey("01012345678", "") {
		t.Fatalf("reloaded key differs: %v", err)
	}
	// A broken key stops the server rather than running it keyless.
	t.Setenv("ROUNDTABLE_DATA_KEY", "not-a-key")
	if _, err := f.loadSealer(dir, false, log); err == nil {
		t.Error("a malformed ROUNDTABLE_DATA_KEY was accepted")
	}
	t.Setenv("ROUNDTABLE_DATA_KEY", "")
	if err := os.WriteFile(filepath.Join(dir, "bad.key"), []byte("short"), 0o600); err != nil {
		t.Fatal(err)
	}
	f.keyFile = filepath.Join(dir, "bad.key")
	if _, err := f.loadSealer(dir, false, log); err == nil {
		t.Error("a malformed key file was accepted")
	}
}
