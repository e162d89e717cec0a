package auditlog

import (
	"math/bits"

	"golang.org/x/mod/sumdb/tlog"
)

// Builder computes RFC 6962 roots of a log fed one leaf hash at a time,
// keeping only the roots of the perfect subtrees that make up the current
// size (one per 1 bit of the size, so at most 63). That makes it fit for
// verifying exports of any length without a database. The zero value is an
// empty log.
type Builder struct {
	size  int64
	stack []tlog.Hash // perfect subtree roots, largest (leftmost) first
}

// Append adds the next leaf.
func (b *Builder) Append(leaf tlog.Hash) {
	h := leaf
	// Each trailing 1 bit of the old size is a perfect subtree of the same
	// height as the one just completed, so they merge, exactly as in a
	// binary counter's carry.
	for n := bits.TrailingZeros64(^uint64(b.size)); n > 0; n-- {
		top := len(b.stack) - 1
		h = tlog.NodeHash(b.stack[top], h)
		b.stack = b.stack[:top]
	}
	b.stack = append(b.stack, h)
	b.size++
}

// Size is the number of leaves appended so far.
func (b *Builder) Size() int64 { return b.size }

// Root is the RFC 6962 root for the current size: the subtree roots folded
// from the right, which is the standard's split at the largest power of two.
func (b *Builder) Root() tlog.Hash {
	if len(b.stack) == 0 {
		return EmptyTreeRoot()
	}
	h := b.stack[len(b.stack)-1]
	for i := len(b.stack) - 2; i >= 0; i-- {
		h = tlog.NodeHash(b.stack[i], h)
	}
	return h
}
