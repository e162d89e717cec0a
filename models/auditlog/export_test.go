package auditlog

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestExportWriterFormat(t *testing.T) {
	l := newMemLog(t, 3)
	var buf bytes.Buffer
	w, err := NewExportWriter(&buf, ExportHeader{Origin: testOrigin, VerifierKey: testVKey, ExportedAt: baseTime})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.WriteCheckpoint(l.sign(t, 0)); err != nil {
		t.Fatalf("size-0 checkpoint before any event: %v", err)
	}
	for i, ev := range l.events {
		if err := w.WriteEvent(ev); err != nil {
			t.Fatal(err)
		}
		if i == 1 {
			if err := w.WriteCheckpoint(l.sign(t, 2)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := w.WriteCheckpoint(l.sign(t, 2)); err == nil {
		t.Fatal("a checkpoint of size 2 after seq 3 was accepted")
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}

	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != 6 {
		t.Fatalf("%d lines, want header + cp + 3 events + cp:\n%s", len(lines), buf.String())
	}
	var hdr map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &hdr); err != nil {
		t.Fatal(err)
	}
	wantHdr := map[string]any{
		"kind": "header", "format": "roundtable-audit-export", "version": 1.0, "origin": testOrigin,
		"verifier_key": testVKey, "key_fingerprint": KeyFingerprint(testVKey), "exported_at": "2022-10-15T06:33:00.000000Z",
	}
	for k, v := range wantHdr {
		if hdr[k] != v {
			t.Errorf("header %s = %v, want %v", k, hdr[k], v)
		}
	}

	// An event line carries exactly the API's field names, in a fixed order.
	wantEvent := `{"kind":"event","seq":1,"at":"2022-10-15T06:33:01.234567Z","actor_id":2,"actor_name":"위원 2",` +
		`"actor_role":"member","action":"version.publish","object_type":"criteria_version","object_id":2,` +
		`"data":{"document_id":2,"version":2,"note":"장애 보상 기준 1","state":"draft"},"request_id":"req-00007919",` +
		`"ip":"203.0.113.2","prev_hash":"` + strings.Repeat("0", 64) + `","hash":"` + l.events[0].Hash + `"}`
	if lines[2] != wantEvent {
		t.Errorf("event line\n%s\nwant\n%s", lines[2], wantEvent)
	}
	var cp checkpointLine
	if err := json.Unmarshal([]byte(lines[4]), &cp); err != nil {
		t.Fatal(err)
	}
	if cp.Kind != "checkpoint" || cp.Size != 2 || cp.Root != HashHex(l.root(t, 2)) || cp.Note != string(l.sign(t, 2)) {
		t.Errorf("checkpoint line = %+v", cp)
	}

	rep, err := Verify(&buf, VerifyOptions{TrustedKey: testVKey})
	if err != nil || !rep.OK || rep.Count != 3 || rep.SignedSize != 2 {
		t.Fatalf("Verify = %+v, %v", rep, err)
	}
}

func TestExportWriterRefuses(t *testing.T) {
	for name, h := range map[string]ExportHeader{
		"bad origin":          {Origin: "has space", VerifierKey: testVKey},
		"bad key":             {Origin: testOrigin, VerifierKey: "nonsense"},
		"secret key":          {Origin: testOrigin, VerifierKey: testSKey},
		"key for another log": {Origin: "elsewhere.test/log", VerifierKey: testVKey},
	} {
		if _, err := NewExportWriter(&bytes.Buffer{}, h); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
	w, err := NewExportWriter(&bytes.Buffer{}, ExportHeader{Origin: testOrigin, VerifierKey: testVKey})
	if err != nil {
		t.Fatal(err)
	}
	ev := ExportEvent{Record: sampleRecord(1)}
	ev.Data = json.RawMessage(`{"a":`)
	if err := w.WriteEvent(ev); err == nil {
		t.Error("data that is not JSON accepted")
	}
	if err := w.WriteCheckpoint([]byte("no signature block\n")); err == nil {
		t.Error("a note without signatures accepted")
	}
	// Invalid records are exported as stored, so that Verify can flag them.
	ev.Data = json.RawMessage(`[1]`)
	if err := w.WriteEvent(ev); err != nil {
		t.Errorf("an invalid but JSON record was refused: %v", err)
	}
}

type failingWriter struct{ after int }

func (f *failingWriter) Write(p []byte) (int, error) {
	if f.after -= len(p); f.after < 0 {
		return 0, errors.New("disk full")
	}
	return len(p), nil
}

func TestExportWriterReportsWriteErrors(t *testing.T) {
	w, err := NewExportWriter(&failingWriter{after: 10}, ExportHeader{Origin: testOrigin, VerifierKey: testVKey})
	if err != nil {
		t.Fatal(err) // buffered: not yet written
	}
	if err := w.Flush(); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("Flush = %v, want the write error", err)
	}
}

type failingReader struct {
	data []byte
}

func (f *failingReader) Read(p []byte) (int, error) {
	if len(f.data) == 0 {
		return 0, errors.New("connection reset")
	}
	n := copy(p, f.data)
	f.data = f.data[n:]
	return n, nil
}

func TestVerifyReportsReadErrors(t *testing.T) {
	l := newMemLog(t, 3)
	export := writeExport(t, testVKey, l.events, nil)
	rep, err := Verify(&failingReader{data: export[:len(export)-5]}, VerifyOptions{})
	if err == nil || !strings.Contains(err.Error(), "connection reset") {
		t.Fatalf("err = %v, want the read error", err)
	}
	if rep.Count != 2 {
		t.Errorf("report covers %d events, want the 2 complete ones", rep.Count)
	}
}
