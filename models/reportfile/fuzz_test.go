package reportfile

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"testing"
)

// FuzzReader feeds arbitrary bytes to the reader. It must never panic, and
// whatever it accepts must satisfy the invariants the importer relies on.
// The seed corpus in testdata/fuzz/FuzzReader covers every format: CSV in
// UTF-8, UTF-8 with BOM and CP949, Korean headers, broken quoting, a small
// workbook, a ZIP that is not one, UTF-16.
func FuzzReader(f *testing.F) {
	f.Add([]byte(csvText(CanonicalColumns(), validCells())))
	f.Add([]byte(""))
	cols := CanonicalColumns()
	f.Fuzz(func(t *testing.T, data []byte) {
		rd, err := Open(bytes.NewReader(data), WithMaxErrors(20), WithMaxUnzipBytes(8<<20))
		if err != nil {
			var fe *FileError
			if !errors.As(err, &fe) && !isSpoolError(err) {
				t.Fatalf("Open error is not a *FileError: %v", err)
			}
			return
		}
		defer func() {
			if err := rd.Close(); err != nil {
				t.Errorf("close: %v", err)
			}
		}()
		header := rd.Summary().HeaderRow
		last := header
		for i := 0; i < 100_000; i++ {
			r, err := rd.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				var fe *FileError
				if !errors.As(err, &fe) {
					t.Fatalf("Next error is not a *FileError: %v", err)
				}
				break
			}
			if r.Line <= last {
				t.Fatalf("row line %d not after %d", r.Line, last)
			}
			last = r.Line
			checkRow(t, r)
		}
		sum := rd.Summary()
		if len(sum.Errors) > 20 || sum.ErrorCount < len(sum.Errors) {
			t.Fatalf("error cap broken: kept %d of %d", len(sum.Errors), sum.ErrorCount)
		}
		for _, e := range sum.Errors {
			if e.Row <= header || e.Message == "" || e.MessageKo == "" || (e.Field != "" && !slices.Contains(cols, e.Field)) {
				t.Fatalf("bad row error %+v (header row %d)", e, header)
			}
		}
	})
}

// isSpoolError accepts the one non-FileError Open may return: failing to
// create the temporary file for a workbook.
func isSpoolError(err error) bool {
	return err != nil && bytes.Contains([]byte(err.Error()), []byte("spool workbook"))
}

func checkRow(t *testing.T, r Row) {
	t.Helper()
	for _, c := range []struct {
		dim   Dimension
		value string
	}{
		{ReporterTypes(), r.ReporterType}, {Services(), r.Service}, {PaidValues(), r.Paid},
		{DamageTypes(), r.DamageType}, {Regions(), r.Region}, {Channels(), r.Channel},
	} {
		if !c.dim.Has(c.value) {
			t.Fatalf("%s %q is not a code", c.dim.Key, c.value)
		}
	}
	if r.Sector != "" && !Sectors().Has(r.Sector) {
		t.Fatalf("sector %q", r.Sector)
	}
	if !InIntake(r.ReceivedAt) || r.Week() == "" {
		t.Fatalf("date %v outside intake", r.ReceivedAt)
	}
	if r.ClaimedAmount < 0 || r.ClaimedAmount > maxClaimedAmount || r.AmountBand() == "" {
		t.Fatalf("amount %d", r.ClaimedAmount)
	}
	if r.OutageHours < 0 || r.OutageHours > maxOutageHours {
		t.Fatalf("hours %v", r.OutageHours)
	}
	if r.Phone == "" && r.BusinessNumber == "" {
		t.Fatal("row without identifier")
	}
	if r.BusinessNumber != "" && !ValidBusinessNumber(r.BusinessNumber) {
		t.Fatalf("business number %q", r.BusinessNumber)
	}
	if r.Phone != "" && !allDigits(r.Phone) {
		t.Fatalf("phone %q", r.Phone)
	}
}
