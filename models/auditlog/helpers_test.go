package auditlog

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

const testOrigin = "roundtable.test/audit"

// Fixed test keys keep exports, golden bytes and the fuzz corpus stable.
// They were made with GenerateKey and protect nothing.
const (
	testSKey  = "PRIVATE+KEY+roundtable.test/audit+311c9d2d+AbVLjuEc1PraShPhajAouf/mChLJvJ5O5Bx3XKcIZOeW"
	testVKey  = "roundtable.test/audit+311c9d2d+AUbc1HYqArsbVwKFU9wAwJKN0m/6Eh58j3YbmSe+P8XW"
	otherSKey = "PRIVATE+KEY+roundtable.test/audit+65e2c2ed+AUWDGFCL7XUARw7hZdnUkttGGG+GaufrHaplm7vviiE/"
	otherVKey = "roundtable.test/audit+65e2c2ed+Ad7/LfZYGNxozXLxRXzfLVyzhWUPNaZT6QMis6rmz+ZW"
)

func mustSigner(t testing.TB, skey string) note.Signer {
	t.Helper()
	s, _, err := SignerFromKey(skey)
	if err != nil {
		t.Fatalf("SignerFromKey: %v", err)
	}
	return s
}

var baseTime = time.Date(2022, 10, 15, 6, 33, 0, 0, time.UTC)

// sampleRecord is a plausible event: the Kakao outage council at work.
func sampleRecord(seq int64) Record {
	actions := []string{"comment.create", "version.publish", "ballot.cast", "report.view", "import.run"}
	roles := []string{"secretariat", "member", "auditor", "consumer_rep"}
	return Record{
		Seq:        seq,
		At:         baseTime.Add(time.Duration(seq) * 1234567 * time.Microsecond),
		ActorID:    seq%7 + 1,
		ActorRole:  roles[seq%int64(len(roles))],
		Action:     actions[seq%int64(len(actions))],
		ObjectType: "criteria_version",
		ObjectID:   seq%13 + 1,
		Data:       json.RawMessage(fmt.Sprintf(`{"document_id":%d,"version":%d,"note":"장애 보상 기준 %d","state":"draft"}`, seq%5+1, seq%3+1, seq)),
		RequestID:  fmt.Sprintf("req-%08d", seq*7919),
		IP:         fmt.Sprintf("203.0.113.%d", seq%250+1),
	}
}

// memLog plays the database: it appends events the way the models package
// will, storing tree hashes and chain hashes.
type memLog struct {
	signer note.Signer
	events []ExportEvent
	stored []tlog.Hash
}

func newMemLog(t testing.TB, n int) *memLog {
	t.Helper()
	l := &memLog{signer: mustSigner(t, testSKey)}
	for i := 1; i <= n; i++ {
		l.append(t, sampleRecord(int64(i)))
	}
	return l
}

func (l *memLog) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		if x < 0 || x >= int64(len(l.stored)) {
			return nil, fmt.Errorf("no stored hash %d", x)
		}
		out[i] = l.stored[x]
	}
	return out, nil
}

func (l *memLog) append(t testing.TB, rec Record) {
	t.Helper()
	if err := rec.Validate(); err != nil {
		t.Fatalf("invalid record %d: %v", rec.Seq, err)
	}
	leaf := LeafHash(rec.Canonical())
	first, hashes, err := HashesToStore(rec.Seq, leaf, l)
	if err != nil {
		t.Fatalf("HashesToStore(%d): %v", rec.Seq, err)
	}
	if first != int64(len(l.stored)) {
		t.Fatalf("seq %d: first index %d, have %d stored", rec.Seq, first, len(l.stored))
	}
	l.stored = append(l.stored, hashes...)
	var prev tlog.Hash
	if n := len(l.events); n > 0 {
		prev, _ = ParseHashHex(l.events[n-1].Hash)
	}
	l.events = append(l.events, ExportEvent{
		Record: rec, ActorName: fmt.Sprintf("위원 %d", rec.ActorID),
		PrevHash: HashHex(prev), Hash: HashHex(ChainHash(prev, leaf)),
	})
}

func (l *memLog) root(t testing.TB, size int64) tlog.Hash {
	t.Helper()
	h, err := TreeRoot(size, l)
	if err != nil {
		t.Fatalf("TreeRoot(%d): %v", size, err)
	}
	return h
}

func (l *memLog) sign(t testing.TB, size int64) []byte {
	t.Helper()
	msg, err := SignCheckpoint(Checkpoint{Origin: testOrigin, Size: size, Root: l.root(t, size)}, l.signer)
	if err != nil {
		t.Fatalf("SignCheckpoint: %v", err)
	}
	return msg
}

// signedAt returns checkpoints for the given sizes, keyed by size.
func (l *memLog) signedAt(t testing.TB, sizes ...int64) map[int64][][]byte {
	m := map[int64][][]byte{}
	for _, s := range sizes {
		m[s] = append(m[s], l.sign(t, s))
	}
	return m
}

// writeExport renders events and checkpoints the way the server will,
// placing each checkpoint after the event whose seq equals its size (by
// position, so that tampered seqs do not move them).
func writeExport(t testing.TB, vkey string, events []ExportEvent, cps map[int64][][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewExportWriter(&buf, ExportHeader{Origin: testOrigin, VerifierKey: vkey, ExportedAt: baseTime.Add(time.Hour)})
	if err != nil {
		t.Fatalf("NewExportWriter: %v", err)
	}
	// Checkpoint lines are written directly: tampered exports may carry
	// checkpoints that the writer's placement check would refuse.
	put := func(size int64) {
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		for _, msg := range cps[size] {
			line, err := marshalLine(checkpointLine{Kind: kindCheckpoint, Size: size, Root: rootOfNote(t, msg), Note: string(msg)})
			if err != nil {
				t.Fatal(err)
			}
			buf.Write(line)
		}
	}
	put(0)
	for i, ev := range events {
		if err := w.WriteEvent(ev); err != nil {
			t.Fatalf("WriteEvent: %v", err)
		}
		put(int64(i + 1))
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func rootOfNote(t testing.TB, msg []byte) string {
	text, _, ok := splitNote(msg)
	if !ok {
		t.Fatalf("not a note: %q", msg)
	}
	c, err := ParseCheckpointText(text)
	if err != nil {
		t.Fatalf("ParseCheckpointText: %v", err)
	}
	return HashHex(c.Root)
}

// rehash recomputes every chain hash, as an attacker with database access
// would after rewriting history.
func rehash(events []ExportEvent) []ExportEvent {
	out := make([]ExportEvent, len(events))
	var prev tlog.Hash
	for i, ev := range events {
		leaf := LeafHash(ev.Canonical())
		ev.PrevHash, ev.Hash = HashHex(prev), HashHex(ChainHash(prev, leaf))
		prev = ChainHash(prev, leaf)
		out[i] = ev
	}
	return out
}

// treeOf builds a memLog over already-formed records (e.g. a rewritten
// history) so that an attacker can sign its roots.
func treeOf(t testing.TB, events []ExportEvent, skey string) *memLog {
	l := &memLog{signer: mustSigner(t, skey)}
	for _, ev := range events {
		leaf := LeafHash(ev.Canonical())
		_, hashes, err := HashesToStore(int64(len(l.events)+1), leaf, l)
		if err != nil {
			t.Fatal(err)
		}
		l.stored = append(l.stored, hashes...)
		l.events = append(l.events, ev)
	}
	return l
}

func cloneEvents(events []ExportEvent) []ExportEvent {
	return append([]ExportEvent(nil), events...)
}
