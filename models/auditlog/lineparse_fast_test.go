package auditlog

import (
	"bytes"
	"strings"
	"testing"
)

// exportEventLines returns the event lines of a real export.
func exportEventLines(t testing.TB, n int) [][]byte {
	t.Helper()
	l := newMemLog(t, n)
	var lines [][]byte
	for _, line := range bytes.Split(writeExport(t, testVKey, l.events, l.signedAt(t, int64(n))), []byte("\n")) {
		if bytes.HasPrefix(line, []byte(`{"kind":"event"`)) {
			lines = append(lines, line)
		}
	}
	if len(lines) != n {
		t.Fatalf("%d event lines, want %d", len(lines), n)
	}
	return lines
}

// checkFastAgrees fails unless readEventFast and parseLine, when both accept
// line, read the same event and the fast reader's canonical runs are the
// event's canonical bytes. It reports whether the fast reader accepted.
// fe carries what the reader remembers from the lines before.
func checkFastAgrees(t *testing.T, line []byte, fe *fastEvent) bool {
	t.Helper()
	var fast, slow eventFields
	var in interner
	if !readEventFast(line, &fast, fe, &in, true) {
		return false
	}
	if err := parseLine(line, &slow, &in); err != nil {
		t.Fatalf("fast reader accepted %q, parseLine: %v", line, err)
	}
	if fast.kind != slow.kind || fast.seen != slow.seen || fast.hints.dataCompact != slow.hints.dataCompact ||
		!bytes.Equal(fast.hints.atText, slow.hints.atText) ||
		!bytes.Equal(fast.prevHash, slow.prevHash) || !bytes.Equal(fast.hash, slow.hash) {
		t.Fatalf("%q: fast reader read %+v, parseLine %+v", line, fast, slow)
	}
	if !bytes.Equal(fast.rec.Canonical(), slow.rec.Canonical()) || fast.rec.RequestID != slow.rec.RequestID {
		t.Fatalf("%q: records differ:\n%+v\n%+v", line, fast.rec, slow.rec)
	}
	want := append([]byte{0x00}, slow.rec.Canonical()...)
	if got := fe.appendLeafInput(nil, line); !bytes.Equal(got, want) {
		t.Fatalf("%q: leaf input\n%q, want\n%q", line, got, want)
	}
	prev, err1 := parseHashHexBytes(slow.prevHash)
	hash, err2 := parseHashHexBytes(slow.hash)
	if err1 != nil || err2 != nil || prev != fe.prev || hash != fe.hash {
		t.Fatalf("%q: hashes %x %x, parseLine's %x %x (%v, %v)", line, fe.prev, fe.hash, prev, hash, err1, err2)
	}
	// The fast reader checked the encoding, so the cheaper validation must
	// reach the same verdict as the full one.
	if (fast.rec.validateValues() == nil) != (slow.rec.validateScalars() == nil) {
		t.Fatalf("%q: validateValues %v, validateScalars %v", line, fast.rec.validateValues(), slow.rec.validateScalars())
	}
	// Without all, the members verification still needs are the same.
	var part eventFields
	if !readEventFast(line, &part, fe, &in, false) || part.rec.Seq != slow.rec.Seq ||
		!part.rec.At.Equal(slow.rec.At) || part.rec.Action != slow.rec.Action || !bytes.Equal(part.rec.Data, slow.rec.Data) {
		t.Fatalf("%q: reading only what verification needs gave %+v", line, part.rec)
	}
	return true
}

// Every line the exporter writes takes the fast path; that is the point.
// Read in order, each prev_hash is the hash remembered from the line
// before; read backwards, none is.
func TestReadEventFastTakesExportLines(t *testing.T) {
	lines := exportEventLines(t, 300)
	var fe fastEvent
	for _, line := range lines {
		if !checkFastAgrees(t, line, &fe) {
			t.Fatalf("fast reader refused an exported line: %q", line)
		}
	}
	for i := range lines {
		if !checkFastAgrees(t, lines[len(lines)-1-i], &fe) {
			t.Fatalf("fast reader refused an exported line: %q", lines[i])
		}
	}
}

// Any other spelling of an event is left to parseLine, which reads it.
func TestReadEventFastLeavesOtherSpellings(t *testing.T) {
	line := string(exportEventLines(t, 1)[0])
	hash := line[strings.Index(line, `"hash":"`)+8 : len(line)-2]
	cases := map[string]string{
		"space after colon":  strings.Replace(line, `"seq":1`, `"seq": 1`, 1),
		"members reordered":  strings.Replace(strings.Replace(line, `"kind":"event",`, ``, 1), `"ip":`, `"kind":"event","ip":`, 1),
		"escaped string":     strings.Replace(line, `"actor_role":"`, `"actor_role":"\u0020`, 1),
		"leading zero":       strings.Replace(line, `"object_id":`, `"object_id":0`, 1),
		"negative":           strings.Replace(line, `"actor_id":`, `"actor_id":-`, 1),
		"space inside data":  strings.Replace(line, `"data":{`, `"data":{ `, 1),
		"escape inside data": strings.Replace(line, `"state":"`, `"state":"\n`, 1),
		"data not an object": strings.Replace(line, `"data":{`, `"data":[{`, 1) + "]",
		"time with offset":   strings.Replace(line, `Z","actor_id"`, `+00:00","actor_id"`, 1),
		"extra member":       strings.Replace(line, `"ip":`, `"note":1,"ip":`, 1),
		"short hash":         strings.Replace(line, hash, hash[2:], 1),
		"escape in hash":     strings.Replace(line, hash, `\u0030`+hash[6:], 1),
		"not hex":            strings.Replace(line, hash, "x"+hash[1:], 1),
		"trailing space":     line + " ",
		"invalid UTF-8":      strings.Replace(line, `"actor_role":"`, "\"actor_role\":\"\xff", 1),
	}
	for name, c := range cases {
		var ev eventFields
		var fe fastEvent
		var in interner
		if readEventFast([]byte(c), &ev, &fe, &in, true) {
			t.Errorf("%s: fast reader accepted %q", name, c)
		}
	}
	// Upper-case hex is still hex, and reads the same both ways.
	if !checkFastAgrees(t, []byte(strings.Replace(line, hash, strings.ToUpper(hash), 1)), &fastEvent{}) {
		t.Error("fast reader refused upper-case hex")
	}
}

// FuzzReadEventFast checks the fast reader against parseLine: whatever it
// accepts, parseLine reads the same way.
func FuzzReadEventFast(f *testing.F) {
	for _, line := range exportEventLines(f, 3) {
		f.Add(line)
	}
	f.Add([]byte(goodLine))
	f.Add([]byte(`{"kind":"event","seq":1,"at":"2022-10-15T06:33:00.000001Z","actor_id":0,"actor_name":"","actor_role":"","action":"a","object_type":"","object_id":0,"data":{"a":["\u00e9",1e5,true,null,{}]},"request_id":"","ip":"","prev_hash":"` + strings.Repeat("0", 64) + `","hash":"` + strings.Repeat("A", 64) + `"}`))
	f.Fuzz(func(t *testing.T, line []byte) {
		// Twice, so that the second read may take a hash remembered from
		// the first.
		fe := &fastEvent{}
		checkFastAgrees(t, line, fe)
		checkFastAgrees(t, line, fe)
	})
}
