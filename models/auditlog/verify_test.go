package auditlog

import (
	"bytes"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// history is what a tampering scenario produces: the rows as an attacker
// left them, the checkpoints the export carries, and the key in its header.
type history struct {
	events    []ExportEvent
	cps       map[int64][][]byte
	headerKey string
}

const logSize = 40

// auditorOpts is what an auditor brings: the real key and checkpoints kept
// from earlier visits, at sizes 20 and 40.
func auditorOpts(t testing.TB, l *memLog) VerifyOptions {
	return VerifyOptions{TrustedKey: testVKey, TrustedCheckpoints: [][]byte{l.sign(t, 20), l.sign(t, 40)}}
}

func intact(t testing.TB, l *memLog) history {
	return history{events: cloneEvents(l.events), cps: l.signedAt(t, 10, 20, 30, 40), headerKey: testVKey}
}

func TestVerifyIntactExport(t *testing.T) {
	l := newMemLog(t, logSize)
	h := intact(t, l)
	rep, err := Verify(bytes.NewReader(writeExport(t, h.headerKey, h.events, h.cps)), auditorOpts(t, l))
	if err != nil {
		t.Fatal(err)
	}
	want := Report{
		OK: true, Count: logSize, Head: HashHex(l.root(t, logSize)), SignedSize: logSize,
		VerifierKey: testVKey, KeyFingerprint: KeyFingerprint(testVKey), Problems: []string{},
	}
	if !reportsEqual(rep, want) {
		t.Fatalf("report = %+v\nwant %+v", rep, want)
	}
}

func reportsEqual(a, b Report) bool {
	return a.OK == b.OK && a.Count == b.Count && a.Head == b.Head && a.FirstBadSeq == b.FirstBadSeq &&
		a.SignedSize == b.SignedSize && a.VerifierKey == b.VerifierKey && a.KeyFingerprint == b.KeyFingerprint &&
		slices.Equal(a.Problems, b.Problems)
}

// TestVerifyDetectsTampering runs every kind of tampering the design must
// catch against an auditor who holds checkpoints of sizes 20 and 40 and the
// real key. Row 15 is the usual victim.
func TestVerifyDetectsTampering(t *testing.T) {
	otherSigner := mustSigner(t, otherSKey)
	cases := []struct {
		name     string
		tamper   func(t *testing.T, l *memLog) history
		lo, hi   int64  // FirstBadSeq must lie in [lo, hi]; 0, 0 means no event can be blamed
		mentions string // some problem must contain this
	}{
		{
			name: "update a row's data",
			tamper: func(t *testing.T, l *memLog) history {
				h := intact(t, l)
				h.events[14].Data = json.RawMessage(`{"document_id":1,"version":9,"note":"changed","state":"draft"}`)
				return h
			},
			lo: 15, hi: 15, mentions: "seq 15: hash does not match the event's content",
		},
		{
			name: "update a row's data and recompute that row's hash",
			tamper: func(t *testing.T, l *memLog) history {
				h := intact(t, l)
				ev := &h.events[14]
				ev.Data = json.RawMessage(`{"document_id":1,"version":9}`)
				prev, _ := ParseHashHex(ev.PrevHash)
				ev.Hash = HashHex(ChainHash(prev, LeafHash(ev.Canonical())))
				return h
			},
			lo: 15, hi: 15, mentions: "seq 16: prev_hash does not match",
		},
		{
			name: "forge the client address of an access-log row",
			tamper: func(t *testing.T, l *memLog) history {
				h := intact(t, l)
				h.events[14].IP = "198.51.100.7"
				return h
			},
			lo: 15, hi: 15, mentions: "seq 15: hash does not match",
		},
		{
			name: "delete a row",
			tamper: func(t *testing.T, l *memLog) history {
				h := intact(t, l)
				h.events = slices.Delete(h.events, 14, 15)
				return h
			},
			lo: 15, hi: 15, mentions: "expected seq 15 here",
		},
		{
			name: "reorder two rows",
			tamper: func(t *testing.T, l *memLog) history {
				h := intact(t, l)
				h.events[14], h.events[15] = h.events[15], h.events[14]
				return h
			},
			lo: 15, hi: 15, mentions: "expected seq 15 here",
		},
		{
			name: "insert a backdated row with a duplicate seq",
			tamper: func(t *testing.T, l *memLog) history {
				h := intact(t, l)
				forged := h.events[14]
				forged.Action = "ballot.cast"
				forged.PrevHash = h.events[14].Hash
				prev, _ := ParseHashHex(forged.PrevHash)
				forged.Hash = HashHex(ChainHash(prev, LeafHash(forged.Canonical())))
				h.events = slices.Insert(h.events, 15, forged)
				return h
			},
			lo: 16, hi: 16, mentions: "expected seq 16 here",
		},
		{
			name: "insert a backdated row, renumber the rest and rebuild every hash",
			tamper: func(t *testing.T, l *memLog) history {
				h := intact(t, l)
				forged := h.events[13]
				forged.At = h.events[13].At.Add(time.Millisecond)
				forged.Action = "ballot.cast"
				evs := slices.Insert(h.events, 14, forged)
				for i := range evs {
					evs[i].Seq = int64(i + 1)
				}
				h.events = rehash(evs)
				return h
			},
			lo: 15, hi: 20, mentions: "some event in seq 11..20 differs",
		},
		{
			name: "append a backdated row at the end",
			tamper: func(t *testing.T, l *memLog) history {
				h := intact(t, l)
				forged := sampleRecord(logSize + 1)
				forged.At = h.events[2].At
				h.events = append(h.events, ExportEvent{Record: forged})
				h.events = rehash(h.events)
				return h
			},
			lo: logSize + 1, hi: logSize + 1, mentions: "backdated",
		},
		{
			name: "truncate after a checkpoint",
			tamper: func(t *testing.T, l *memLog) history {
				h := intact(t, l)
				h.events = h.events[:30]
				delete(h.cps, 40)
				return h
			},
			lo: 31, hi: 31, mentions: "trusted checkpoint #2 (size 40): the log has only 30 events",
		},
		{
			name: "re-sign a checkpoint with another key",
			tamper: func(t *testing.T, l *memLog) history {
				h := intact(t, l)
				msg, err := SignCheckpoint(Checkpoint{Origin: testOrigin, Size: 20, Root: l.root(t, 20)}, otherSigner)
				if err != nil {
					t.Fatal(err)
				}
				h.cps[20] = [][]byte{msg}
				return h
			},
			lo: 0, hi: 0, mentions: "not signed by roundtable.test/audit+311c9d2d",
		},
		{
			name: "rewrite history and sign everything with a new key in the header",
			tamper: func(t *testing.T, l *memLog) history {
				h := intact(t, l)
				h.events[14].ActorID = 99
				h.events = rehash(h.events)
				fake := treeOf(t, h.events, otherSKey)
				h.cps = fake.signedAt(t, 10, 20, 30, 40)
				h.headerKey = otherVKey
				return h
			},
			lo: 15, hi: 20, mentions: "is not the trusted key",
		},
		{
			name: "rewrite history, rebuild all hashes and re-sign with the real key",
			tamper: func(t *testing.T, l *memLog) history {
				h := intact(t, l)
				h.events[14].Data = json.RawMessage(`{"document_id":1,"version":1,"note":"rewritten","state":"final"}`)
				h.events = rehash(h.events)
				h.cps = treeOf(t, h.events, testSKey).signedAt(t, 10, 20, 30, 40)
				return h
			},
			lo: 15, hi: 20, mentions: "two different roots were signed for size 20",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l := newMemLog(t, logSize)
			h := tc.tamper(t, l)
			opts := auditorOpts(t, l)
			rep, err := Verify(bytes.NewReader(writeExport(t, h.headerKey, h.events, h.cps)), opts)
			if err != nil {
				t.Fatal(err)
			}
			if rep.OK {
				t.Fatalf("tampering not detected: %+v", rep)
			}
			t.Logf("first bad seq %d; problems:\n%s", rep.FirstBadSeq, strings.Join(rep.Problems, "\n"))
			if rep.FirstBadSeq < tc.lo || rep.FirstBadSeq > tc.hi {
				t.Errorf("FirstBadSeq = %d, want in [%d, %d]; problems:\n%s", rep.FirstBadSeq, tc.lo, tc.hi, strings.Join(rep.Problems, "\n"))
			}
			if !slices.ContainsFunc(rep.Problems, func(p string) bool { return strings.Contains(p, tc.mentions) }) {
				t.Errorf("no problem mentions %q; problems:\n%s", tc.mentions, strings.Join(rep.Problems, "\n"))
			}
			if h.headerKey == testVKey {
				// The server's path over database rows must reach the same verdict.
				rows := verifyRows(h, opts)
				if rows.OK != rep.OK || rows.FirstBadSeq != rep.FirstBadSeq || rows.Head != rep.Head || rows.Count != rep.Count {
					t.Errorf("Verifier over rows = %+v\nVerify over export = %+v", rows, rep)
				}
			}
		})
	}
}

// verifyRows is what the server's /audit/verify does: rows and stored
// checkpoints straight into a Verifier, no NDJSON.
func verifyRows(h history, opts VerifyOptions) Report {
	var v Verifier
	v.CheckSigned(opts.TrustedKey, opts.TrustedCheckpoints...)
	v.CheckSigned(opts.TrustedKey, h.cps[0]...)
	for i, ev := range h.events {
		v.Add(ev.Record, ev.PrevHash, ev.Hash)
		v.CheckSigned(opts.TrustedKey, h.cps[int64(i+1)]...)
	}
	return v.Report()
}

// TestRewriteNeedsHeldCheckpoint documents the limit of offline checking: a
// history rewritten and re-signed with the real key is self-consistent, so
// only a checkpoint the auditor kept from before exposes it.
func TestRewriteNeedsHeldCheckpoint(t *testing.T) {
	l := newMemLog(t, logSize)
	h := intact(t, l)
	h.events[14].Action = "ballot.void"
	h.events = rehash(h.events)
	h.cps = treeOf(t, h.events, testSKey).signedAt(t, 10, 20, 30, 40)
	export := writeExport(t, testVKey, h.events, h.cps)

	rep, err := Verify(bytes.NewReader(export), VerifyOptions{TrustedKey: testVKey})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK {
		t.Fatalf("without held checkpoints the rewrite is self-consistent, yet: %v", rep.Problems)
	}
	rep, err = Verify(bytes.NewReader(export), VerifyOptions{TrustedKey: testVKey, TrustedCheckpoints: [][]byte{l.sign(t, 12), l.sign(t, 17)}})
	if err != nil {
		t.Fatal(err)
	}
	// The checkpoint at 12 predates the change and matches; the one at 17
	// does not, which bounds the damage to seq 13..17.
	if rep.OK || rep.FirstBadSeq != 17 || !strings.Contains(strings.Join(rep.Problems, "\n"), "seq 13..17") {
		t.Fatalf("OK=%v FirstBadSeq=%d, want false, 17; problems %v", rep.OK, rep.FirstBadSeq, rep.Problems)
	}
}

// TestVerifyToleratesHarmlessChanges: what is not hashed may change.
func TestVerifyToleratesHarmlessChanges(t *testing.T) {
	cases := []struct {
		name   string
		modify func(export []byte) []byte
	}{
		{"rename an actor", func(b []byte) []byte {
			return bytes.ReplaceAll(b, []byte(`"actor_name":"위원 2"`), []byte(`"actor_name":"Kim Minji"`))
		}},
		{"respace the data object", func(b []byte) []byte {
			return bytes.ReplaceAll(b, []byte(`{"document_id":`), []byte(`{ "document_id" :  `))
		}},
		{"CRLF line ends", func(b []byte) []byte { return bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n")) }},
		{"blank lines", func(b []byte) []byte { return bytes.ReplaceAll(b, []byte("\n"), []byte("\n\n")) }},
		{"no final newline", func(b []byte) []byte { return bytes.TrimSuffix(b, []byte("\n")) }},
		{"an unknown informational member", func(b []byte) []byte {
			return bytes.ReplaceAll(b, []byte(`"kind":"event",`), []byte(`"kind":"event","comment":{"x":[1,2]},`))
		}},
		{"time written with an offset", func(b []byte) []byte {
			return bytes.Replace(b, []byte(`"at":"2022-10-15T06:33:01.234567Z"`), []byte(`"at":"2022-10-15T15:33:01.234567+09:00"`), 1)
		}},
	}
	l := newMemLog(t, logSize)
	h := intact(t, l)
	base := writeExport(t, testVKey, h.events, h.cps)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			changed := tc.modify(bytes.Clone(base))
			if bytes.Equal(changed, base) {
				t.Fatal("modification did not apply")
			}
			rep, err := Verify(bytes.NewReader(changed), auditorOpts(t, l))
			if err != nil {
				t.Fatal(err)
			}
			if !rep.OK || rep.Count != logSize || rep.Head != HashHex(l.root(t, logSize)) {
				t.Fatalf("report = %+v", rep)
			}
		})
	}
}

// TestVerifyMalformedInput: damage to the file itself is reported with its
// line number, never a panic.
func TestVerifyMalformedInput(t *testing.T) {
	l := newMemLog(t, 5)
	h := history{events: l.events, cps: l.signedAt(t, 0, 3, 5), headerKey: testVKey}
	good := writeExport(t, testVKey, h.events, h.cps)
	lines := strings.SplitAfter(string(good), "\n")
	// lines: 0 header, 1 cp0, 2..4 events 1..3, 5 cp3, 6..7 events 4..5, 8 cp5

	cases := []struct {
		name     string
		input    string
		mentions string
		firstBad int64
	}{
		{"empty", "", "the export is empty", 0},
		{"header only", lines[0], "", 0},
		{"no header", strings.Join(lines[1:], ""), "line 1: the export does not start with a header line", 0},
		{"cut mid-line", strings.Join(lines[:3], "") + lines[3][:40], "line 4: malformed", 2},
		{"garbage line", strings.Join(lines[:3], "") + "not json\n" + strings.Join(lines[3:], ""), "line 4: malformed: column 1", 2},
		{"second header", strings.Join(lines[:3], "") + lines[0] + strings.Join(lines[3:], ""), "line 4: a second header", 0},
		{"unknown kind", strings.Join(lines[:3], "") + `{"kind":"memo"}` + "\n" + strings.Join(lines[3:], ""), `line 4: unknown kind "memo"`, 2},
		{"missing member", strings.Join(lines[:2], "") + strings.Replace(lines[2], `"ip":"203.0.113.2",`, "", 1) + strings.Join(lines[3:], ""), `line 3: malformed: missing member "ip"`, 1},
		{"duplicate member", strings.Join(lines[:2], "") + strings.Replace(lines[2], `"seq":1,`, `"seq":1,"seq":2,`, 1) + strings.Join(lines[3:], ""), "duplicate member", 1},
		{"case variant of a member", strings.Join(lines[:2], "") + strings.Replace(lines[2], `"seq":1,`, `"seq":1,"SEQ":2,`, 1) + strings.Join(lines[3:], ""), "only in letter case", 1},
		{"seq as a string", strings.Join(lines[:2], "") + strings.Replace(lines[2], `"seq":1,`, `"seq":"1",`, 1) + strings.Join(lines[3:], ""), "seq must be an integer", 1},
		{"bad hash hex", strings.Join(lines[:2], "") + strings.Replace(lines[2], `"hash":"`, `"hash":"zz`, 1) + strings.Join(lines[3:], ""), "line 3, seq 1: hash:", 1},
		{"checkpoint misplaced", strings.Join(lines[:4], "") + lines[5] + lines[4] + strings.Join(lines[6:], ""), "must follow the event with seq 3", 0},
		{"checkpoint fields disagree", strings.Join(lines[:5], "") + strings.Replace(lines[5], `"size":3`, `"size":4`, 1) + strings.Join(lines[6:], ""), "disagree with the signed note", 0},
		{"checkpoint note damaged", strings.Join(lines[:5], "") + strings.Replace(lines[5], `\n\n`, `\n`, 1) + strings.Join(lines[6:], ""), "malformed checkpoint", 0},
		{"data not an object", strings.Join(lines[:2], "") + regexp.MustCompile(`"data":\{[^}]*\}`).ReplaceAllString(lines[2], `"data":[1]`) + strings.Join(lines[3:], ""), "invalid event: data: must be a JSON object", 1},
		{"line too long", strings.Join(lines[:2], "") + strings.Repeat("x", maxLineBytes+10) + "\n" + strings.Join(lines[2:], ""), "line 3: longer than", 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := Verify(strings.NewReader(tc.input), VerifyOptions{TrustedKey: testVKey})
			if err != nil {
				t.Fatal(err)
			}
			if tc.mentions == "" {
				if !rep.OK {
					t.Fatalf("want OK, got %v", rep.Problems)
				}
				return
			}
			if rep.OK {
				t.Fatal("damage not reported")
			}
			if !slices.ContainsFunc(rep.Problems, func(p string) bool { return strings.Contains(p, tc.mentions) }) {
				t.Errorf("no problem mentions %q:\n%s", tc.mentions, strings.Join(rep.Problems, "\n"))
			}
			if rep.FirstBadSeq != tc.firstBad {
				t.Errorf("FirstBadSeq = %d, want %d:\n%s", rep.FirstBadSeq, tc.firstBad, strings.Join(rep.Problems, "\n"))
			}
		})
	}
}

// TestVerifyKeyHandling: without a trusted key the header's key is used and
// reported; a trusted key overrides it.
func TestVerifyKeyHandling(t *testing.T) {
	l := newMemLog(t, 3)
	export := writeExport(t, testVKey, l.events, l.signedAt(t, 3))
	cases := []struct {
		name     string
		opts     VerifyOptions
		ok       bool
		mentions string
	}{
		{"header key reported", VerifyOptions{}, true, ""},
		{"trusted key equal", VerifyOptions{TrustedKey: testVKey + "\n"}, true, ""},
		{"trusted key differs", VerifyOptions{TrustedKey: otherVKey}, false, "is not the trusted key"},
		{"trusted key invalid", VerifyOptions{TrustedKey: "nonsense"}, false, "trusted key:"},
		{"held checkpoint by another key, no trusted key", VerifyOptions{TrustedCheckpoints: [][]byte{signWith(t, otherSKey, 3, l.root(t, 3))}}, false, "may have been replaced"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := Verify(bytes.NewReader(export), tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if rep.OK != tc.ok {
				t.Fatalf("OK = %v, problems %v", rep.OK, rep.Problems)
			}
			if tc.ok && (rep.VerifierKey != testVKey || rep.KeyFingerprint != KeyFingerprint(testVKey) || rep.SignedSize != 3) {
				t.Errorf("report = %+v", rep)
			}
			if tc.mentions != "" && !slices.ContainsFunc(rep.Problems, func(p string) bool { return strings.Contains(p, tc.mentions) }) {
				t.Errorf("no problem mentions %q: %v", tc.mentions, rep.Problems)
			}
		})
	}
}

func signWith(t testing.TB, skey string, size int64, root [32]byte) []byte {
	msg, err := SignCheckpoint(Checkpoint{Origin: testOrigin, Size: size, Root: root}, mustSigner(t, skey))
	if err != nil {
		t.Fatal(err)
	}
	return msg
}

// TestVerifierCheckpointTiming covers the single-pass rules for checkpoints
// given to a Verifier directly.
func TestVerifierCheckpointTiming(t *testing.T) {
	l := newMemLog(t, 8)
	var v Verifier
	v.Check(Checkpoint{Origin: testOrigin, Size: 0, Root: EmptyTreeRoot()}) // now
	v.Check(Checkpoint{Origin: testOrigin, Size: 8, Root: l.root(t, 8)})    // at the end
	v.Check(Checkpoint{Origin: testOrigin, Size: 4, Root: l.root(t, 4)})    // out of order is fine
	for _, ev := range l.events[:6] {
		v.Add(ev.Record, ev.PrevHash, ev.Hash)
	}
	if rep := v.Report(); rep.OK {
		t.Fatal("checkpoint of size 8 is still pending at size 6: want a truncation problem")
	}
	v.Check(Checkpoint{Origin: testOrigin, Size: 5, Root: l.root(t, 5)}) // too late for one pass
	for _, ev := range l.events[6:] {
		v.Add(ev.Record, ev.PrevHash, ev.Hash)
	}
	rep := v.Report()
	if rep.OK || len(rep.Problems) != 1 || !strings.Contains(rep.Problems[0], "came after event 6") {
		t.Fatalf("problems = %v", rep.Problems)
	}
	if rep.FirstBadSeq != 0 || rep.SignedSize != 0 || v.Size() != 8 || v.Root() != l.root(t, 8) {
		t.Fatalf("report = %+v", rep)
	}
}

func TestVerifierProblemCap(t *testing.T) {
	l := newMemLog(t, 3)
	var v Verifier
	for i := 0; i < maxProblems+50; i++ {
		v.Add(l.events[0].Record, l.events[0].PrevHash, l.events[0].Hash) // seq 1 again and again
	}
	rep := v.Report()
	if len(rep.Problems) != maxProblems+1 || !strings.HasPrefix(rep.Problems[maxProblems], "... and ") {
		t.Fatalf("%d problems, last %q", len(rep.Problems), rep.Problems[len(rep.Problems)-1])
	}
	if rep.FirstBadSeq != 2 {
		t.Fatalf("FirstBadSeq = %d, want 2", rep.FirstBadSeq)
	}
}

// TestVerifyLargeExportAllSizes checks the streaming root against the stored
// tree for a log long enough to exercise deep subtrees, with a checkpoint
// at every size that is not a power of two.
func TestVerifyLargeExport(t *testing.T) {
	n := int64(3000)
	if testing.Short() {
		n = 300
	}
	l := newMemLog(t, int(n))
	cps := map[int64][][]byte{}
	for _, s := range []int64{1, 2, 3, 255, 256, 257, n - 1, n} {
		cps[s] = [][]byte{l.sign(t, s)}
	}
	rep, err := Verify(bytes.NewReader(writeExport(t, testVKey, l.events, cps)), VerifyOptions{TrustedKey: testVKey})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK || rep.Count != n || rep.SignedSize != n || rep.Head != HashHex(l.root(t, n)) {
		t.Fatalf("report = %+v", rep)
	}
}

// TestVerifierTimeOrderAtHashedPrecision: the database may keep nanoseconds
// that exports drop, so order is judged on the microseconds that are hashed.
func TestVerifierTimeOrderAtHashedPrecision(t *testing.T) {
	cases := []struct {
		name     string
		secondAt time.Duration // offset of event 2 from event 1
		ok       bool
	}{
		{"same microsecond, earlier nanoseconds", -500 * time.Nanosecond, true},
		{"same time", 0, true},
		{"one microsecond earlier", -time.Microsecond, false},
	}
	for _, tc := range cases {
		first := sampleRecord(1)
		first.At = baseTime.Add(700 * time.Nanosecond)
		second := sampleRecord(2)
		second.At = first.At.Add(tc.secondAt)
		l := &memLog{signer: mustSigner(t, testSKey)}
		l.append(t, first)
		l.append(t, second)
		var v Verifier
		for _, ev := range l.events {
			v.Add(ev.Record, ev.PrevHash, ev.Hash)
		}
		if rep := v.Report(); rep.OK != tc.ok {
			t.Errorf("%s: OK = %v, problems %v", tc.name, rep.OK, rep.Problems)
		}
	}
}

// TestVerifyLongLine: lines longer than the read buffer are reassembled,
// also as the last line without a newline.
func TestVerifyLongLine(t *testing.T) {
	bigData := json.RawMessage(`{"ids":[` + strings.Repeat("123456789,", 40000) + `0]}`)
	l := &memLog{signer: mustSigner(t, testSKey)}
	for seq := int64(1); seq <= 3; seq++ {
		r := sampleRecord(seq)
		if seq != 1 {
			r.Data = bigData
		}
		l.append(t, r)
	}
	export := writeExport(t, testVKey, l.events, l.signedAt(t, 1))
	for _, tail := range []string{"", "\n"} {
		rep, err := Verify(strings.NewReader(strings.TrimSuffix(string(export), "\n")+tail), VerifyOptions{TrustedKey: testVKey})
		if err != nil || !rep.OK || rep.Count != 3 || rep.SignedSize != 1 || rep.Head != HashHex(l.root(t, 3)) {
			t.Fatalf("report %+v, %v", rep, err)
		}
	}
}
