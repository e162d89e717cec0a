package auditlog

import (
	"bytes"
	"crypto/sha256"
	"testing"
)

// benchEvents is large enough that per-export costs (header, key parsing,
// checkpoint signatures) vanish next to per-event costs.
const benchEvents = 20000

func benchExport(b *testing.B) []byte {
	b.Helper()
	l := newMemLog(b, benchEvents)
	var sizes []int64
	for s := int64(1000); s <= benchEvents; s += 1000 {
		sizes = append(sizes, s)
	}
	return writeExport(b, testVKey, l.events, l.signedAt(b, sizes...))
}

// BenchmarkVerify and BenchmarkSHA256SameBytes are meant to be compared:
// verification redoes a leaf, a chain and (on average) one node hash per
// event on top of reading it, so it cannot be cheaper than hashing the file.
func BenchmarkVerify(b *testing.B) {
	export := benchExport(b)
	b.SetBytes(int64(len(export)))
	b.ReportAllocs()
	for b.Loop() {
		rep, err := Verify(bytes.NewReader(export), VerifyOptions{TrustedKey: testVKey})
		if err != nil || !rep.OK || rep.Count != benchEvents {
			b.Fatalf("report %+v, %v", rep, err)
		}
	}
}

func BenchmarkSHA256SameBytes(b *testing.B) {
	export := benchExport(b)
	b.SetBytes(int64(len(export)))
	for b.Loop() {
		sum := sha256.Sum256(export)
		if sum[0] == 0 && sum[1] == 0 && sum[2] == 0 && sum[3] == 0 {
			b.Log("unlikely sum") // keeps the call from being optimised away
		}
	}
}

// BenchmarkVerifierAdd is the server's /audit/verify path per event.
func BenchmarkVerifierAdd(b *testing.B) {
	l := newMemLog(b, 1000)
	b.ReportAllocs()
	for b.Loop() {
		var v Verifier
		for _, ev := range l.events {
			v.Add(ev.Record, ev.PrevHash, ev.Hash)
		}
		if !v.Report().OK {
			b.Fatal("not OK")
		}
	}
}

func BenchmarkCanonical(b *testing.B) {
	r := sampleRecord(12345)
	buf := make([]byte, 0, 512)
	b.ReportAllocs()
	for b.Loop() {
		buf = r.AppendCanonical(buf[:0])
	}
}

// BenchmarkVerifyHashingOnly does only the hashing any verifier of this
// format must do per event (leaf over the canonical bytes, chain, tree
// node), over pre-built canonical bytes: the floor for BenchmarkVerify.
func BenchmarkVerifyHashingOnly(b *testing.B) {
	export := benchExport(b)
	l := newMemLog(b, benchEvents)
	canon := make([][]byte, len(l.events))
	for i, ev := range l.events {
		canon[i] = append([]byte{0}, ev.Canonical()...)
	}
	b.SetBytes(int64(len(export)))
	for b.Loop() {
		var tree Builder
		var prev [32]byte
		for _, c := range canon {
			leaf := sha256.Sum256(c)
			prev = ChainHash(prev, leaf)
			tree.Append(leaf)
		}
		if tree.Root() == prev {
			b.Fatal("impossible")
		}
	}
}

func BenchmarkParseLine(b *testing.B) {
	export := benchExport(b)
	lines := bytes.Split(export, []byte("\n"))[2:1002]
	var ev eventFields
	var in interner
	n := 0
	for _, l := range lines {
		n += len(l)
	}
	b.SetBytes(int64(n))
	b.ReportAllocs()
	for b.Loop() {
		for _, l := range lines {
			if err := parseLine(l, &ev, &in); err != nil {
				b.Fatal(err)
			}
		}
	}
}
