package auditlog

import (
	"crypto/sha256"
	"encoding/binary"
	"testing"

	"golang.org/x/mod/sumdb/tlog"
)

// hashLog stores tlog hashes for synthetic leaves, to compare the Builder
// with tlog.TreeHash without building records.
type hashLog []tlog.Hash

func (h hashLog) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		out[i] = h[x]
	}
	return out, nil
}

func syntheticLeaf(i int64) tlog.Hash {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(i))
	return tlog.RecordHash(b[:])
}

// growBoth appends leaves from..to-1 to both the builder and the stored log.
func growBoth(t *testing.T, b *Builder, stored hashLog, from, to int64) hashLog {
	for i := from; i < to; i++ {
		leaf := syntheticLeaf(i)
		hs, err := tlog.StoredHashesForRecordHash(i, leaf, stored)
		if err != nil {
			t.Fatal(err)
		}
		stored = append(stored, hs...)
		b.Append(leaf)
	}
	return stored
}

func TestBuilderMatchesTreeHashEverySize(t *testing.T) {
	var b Builder
	var stored hashLog
	for size := int64(0); size <= 300; size++ {
		if size > 0 {
			stored = growBoth(t, &b, stored, size-1, size)
		}
		want, err := tlog.TreeHash(size, stored)
		if err != nil {
			t.Fatal(err)
		}
		if b.Size() != size || b.Root() != want {
			t.Fatalf("size %d: Builder root %x, tlog %x", size, b.Root(), want)
		}
		// At most one subtree root per bit of the size: O(log n) memory.
		if ones := popcount(size); len(b.stack) != ones {
			t.Fatalf("size %d: %d subtree roots kept, want %d", size, len(b.stack), ones)
		}
	}
}

func TestBuilderLargeSizes(t *testing.T) {
	sizes := []int64{1 << 12, 1<<12 + 1, 5000, 1<<13 - 1, 1 << 13, 12345, 1 << 15, 1<<15 + 7, 1<<17 + 3}
	if testing.Short() {
		sizes = sizes[:4]
	}
	var b Builder
	var stored hashLog
	for _, size := range sizes {
		stored = growBoth(t, &b, stored, b.Size(), size)
		want, err := tlog.TreeHash(size, stored)
		if err != nil {
			t.Fatal(err)
		}
		if b.Root() != want {
			t.Fatalf("size %d: Builder root %x, tlog %x", size, b.Root(), want)
		}
	}
}

// TestBuilderKnownRoots checks small trees against RFC 6962's definition
// written out by hand, independently of tlog.
func TestBuilderKnownRoots(t *testing.T) {
	l := func(i int64) tlog.Hash { return syntheticLeaf(i) }
	node := func(a, b tlog.Hash) tlog.Hash {
		return sha256.Sum256(append(append([]byte{1}, a[:]...), b[:]...))
	}
	want := map[int64]tlog.Hash{
		1: l(0),
		2: node(l(0), l(1)),
		3: node(node(l(0), l(1)), l(2)),
		5: node(node(node(l(0), l(1)), node(l(2), l(3))), l(4)),
		6: node(node(node(l(0), l(1)), node(l(2), l(3))), node(l(4), l(5))),
	}
	var b Builder
	for i := int64(0); i < 6; i++ {
		b.Append(l(i))
		if w, ok := want[b.Size()]; ok && b.Root() != w {
			t.Errorf("size %d: root %x, want %x", b.Size(), b.Root(), w)
		}
	}
}

func popcount(n int64) int {
	c := 0
	for ; n > 0; n &= n - 1 {
		c++
	}
	return c
}
