package auditlog

import (
	"crypto/sha256"
	"errors"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/tlog"
)

func TestHashes(t *testing.T) {
	canon := sampleRecord(1).Canonical()
	if LeafHash(canon) != sha256.Sum256(append([]byte{0}, canon...)) {
		t.Error("LeafHash is not SHA-256(0x00 || canonical)")
	}
	var prev, leaf tlog.Hash
	prev[0], leaf[31] = 1, 2
	want := sha256.Sum256(append(append([]byte("roundtable-audit-chain/v1\n"), prev[:]...), leaf[:]...))
	if ChainHash(prev, leaf) != want {
		t.Error("ChainHash is not SHA-256(prefix || prev || leaf)")
	}
	if ChainHash(prev, leaf) == tlog.NodeHash(prev, leaf) || ChainHash(prev, leaf) == ChainHash(leaf, prev) {
		t.Error("ChainHash is not domain separated or not order sensitive")
	}
	if EmptyTreeRoot() != sha256.Sum256(nil) {
		t.Error("EmptyTreeRoot")
	}
	if r, _ := tlog.TreeHash(0, nil); r != EmptyTreeRoot() {
		t.Error("EmptyTreeRoot differs from tlog's")
	}
}

func TestHashHex(t *testing.T) {
	h := sha256.Sum256([]byte("x"))
	s := HashHex(h)
	if len(s) != 64 || strings.ToLower(s) != s {
		t.Fatalf("HashHex = %q", s)
	}
	for _, in := range []string{s, strings.ToUpper(s)} {
		if got, err := ParseHashHex(in); err != nil || got != h {
			t.Errorf("ParseHashHex(%q) = %x, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", s[:62], s + "00", "zz" + s[2:], " " + s[1:]} {
		if _, err := ParseHashHex(bad); err == nil {
			t.Errorf("ParseHashHex(%q) accepted", bad)
		}
	}
}

func TestSeqIndexMapping(t *testing.T) {
	for seq := int64(1); seq <= 5; seq++ {
		i, err := LeafIndex(seq)
		if err != nil || i != seq-1 || SeqOfLeafIndex(i) != seq {
			t.Errorf("LeafIndex(%d) = %d, %v", seq, i, err)
		}
		si, err := StoredLeafIndex(seq)
		if err != nil || si != tlog.StoredHashIndex(0, seq-1) {
			t.Errorf("StoredLeafIndex(%d) = %d, %v", seq, si, err)
		}
	}
	for _, seq := range []int64{0, -1} {
		if _, err := LeafIndex(seq); err == nil {
			t.Errorf("LeafIndex(%d) accepted", seq)
		}
		if _, err := StoredLeafIndex(seq); err == nil {
			t.Errorf("StoredLeafIndex(%d) accepted", seq)
		}
		if _, _, err := HashesToStore(seq, tlog.Hash{}, nil); err == nil {
			t.Errorf("HashesToStore(%d) accepted", seq)
		}
	}
}

// TestStoredTree: what the database stores after each append is what tlog
// expects, and the leaf of seq s sits at StoredLeafIndex(s).
func TestStoredTree(t *testing.T) {
	l := newMemLog(t, 70)
	for seq := int64(1); seq <= 70; seq++ {
		leaf := LeafHash(l.events[seq-1].Canonical())
		si, _ := StoredLeafIndex(seq)
		if l.stored[si] != leaf {
			t.Fatalf("stored leaf of seq %d is not at StoredLeafIndex", seq)
		}
	}
	if int64(len(l.stored)) != StoredHashCount(70) {
		t.Fatalf("stored %d hashes, StoredHashCount(70) = %d", len(l.stored), StoredHashCount(70))
	}
	if _, err := TreeRoot(-1, l); err == nil {
		t.Error("TreeRoot(-1) accepted")
	}
	if _, err := TreeRoot(71, l); err == nil {
		t.Error("TreeRoot beyond the stored hashes should fail")
	}
}

func TestInclusionProofs(t *testing.T) {
	const n = 37
	l := newMemLog(t, n)
	for size := int64(1); size <= n; size++ {
		cp := Checkpoint{Origin: testOrigin, Size: size, Root: l.root(t, size)}
		for seq := int64(1); seq <= size; seq++ {
			p, err := ProveInclusion(seq, size, l)
			if err != nil {
				t.Fatalf("ProveInclusion(%d, %d): %v", seq, size, err)
			}
			leaf := LeafHash(l.events[seq-1].Canonical())
			if err := CheckInclusion(p, leaf, cp); err != nil {
				t.Fatalf("CheckInclusion(%d, %d): %v", seq, size, err)
			}
			if seq == 1 || seq == size {
				other := LeafHash(l.events[(seq)%size].Canonical())
				if size > 1 && CheckInclusion(p, other, cp) == nil {
					t.Fatalf("proof for seq %d accepted another event", seq)
				}
			}
		}
	}

	p, err := ProveInclusion(5, 20, l)
	if err != nil {
		t.Fatal(err)
	}
	leaf := LeafHash(l.events[4].Canonical())
	cp20 := Checkpoint{Origin: testOrigin, Size: 20, Root: l.root(t, 20)}
	bad := map[string]func() (InclusionProof, Checkpoint){
		"path hash flipped": func() (InclusionProof, Checkpoint) {
			q := p
			q.Path = append([]string(nil), p.Path...)
			q.Path[0] = HashHex(sha256.Sum256([]byte("x")))
			return q, cp20
		},
		"path too short": func() (InclusionProof, Checkpoint) { q := p; q.Path = p.Path[1:]; return q, cp20 },
		"path not hex":   func() (InclusionProof, Checkpoint) { q := p; q.Path = []string{"x"}; return q, cp20 },
		"wrong seq":      func() (InclusionProof, Checkpoint) { q := p; q.Seq = 6; q.LeafHash = ""; return q, cp20 },
		"seq past size":  func() (InclusionProof, Checkpoint) { q := p; q.Seq = 21; return q, cp20 },
		"claimed leaf":   func() (InclusionProof, Checkpoint) { q := p; q.LeafHash = HashHex(tlog.Hash{}); return q, cp20 },
		"other root": func() (InclusionProof, Checkpoint) {
			c := cp20
			c.Root = l.root(t, 19)
			q := p
			q.Root = ""
			return q, c
		},
		"other size": func() (InclusionProof, Checkpoint) { c := cp20; c.Size = 21; return p, c },
	}
	for name, f := range bad {
		q, c := f()
		if err := CheckInclusion(q, leaf, c); !errors.Is(err, ErrProof) {
			t.Errorf("%s: CheckInclusion = %v, want ErrProof", name, err)
		}
	}
	for _, args := range [][2]int64{{0, 5}, {6, 5}, {1, 0}} {
		if _, err := ProveInclusion(args[0], args[1], l); err == nil {
			t.Errorf("ProveInclusion(%d, %d) accepted", args[0], args[1])
		}
	}
}

func TestConsistencyProofs(t *testing.T) {
	const n = 33
	l := newMemLog(t, n)
	cp := func(size int64) Checkpoint { return Checkpoint{Origin: testOrigin, Size: size, Root: l.root(t, size)} }
	for older := int64(0); older <= n; older++ {
		for newer := older; newer <= n; newer++ {
			p, err := ProveConsistency(older, newer, l)
			if err != nil {
				t.Fatalf("ProveConsistency(%d, %d): %v", older, newer, err)
			}
			if err := CheckConsistency(p, cp(older), cp(newer)); err != nil {
				t.Fatalf("CheckConsistency(%d, %d): %v", older, newer, err)
			}
			// The same proof must not vouch for a different old root.
			if older >= 1 && newer > older {
				forged := cp(older)
				forged.Root = l.root(t, older-1)
				q := p
				q.OldRoot = ""
				if CheckConsistency(q, forged, cp(newer)) == nil {
					t.Fatalf("consistency %d→%d accepted a wrong old root", older, newer)
				}
			}
		}
	}
	if _, err := ProveConsistency(5, 4, l); err == nil {
		t.Error("ProveConsistency(5, 4) accepted")
	}
	p, _ := ProveConsistency(0, 10, l)
	notEmpty := cp(0)
	notEmpty.Root = l.root(t, 1)
	p.OldRoot = ""
	if err := CheckConsistency(p, notEmpty, cp(10)); !errors.Is(err, ErrProof) {
		t.Errorf("size 0 with a non-empty root: %v", err)
	}
	p, _ = ProveConsistency(3, 10, l)
	if err := CheckConsistency(p, cp(4), cp(10)); !errors.Is(err, ErrProof) {
		t.Errorf("sizes that do not match the checkpoints: %v", err)
	}
}
