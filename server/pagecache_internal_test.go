package server

import (
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

func page(size int, seq int64) *sharedPage { return &sharedPage{size: size, seq: seq} }

func kindN(v int64) pageKind {
	return pageKind{version: v, role: "member", group: "merchant", lang: "ko"}
}

// fill stores p as the copy of k through get, as a request would.
func fill(t *testing.T, pc *pageCache, k pageKind, p *sharedPage) {
	t.Helper()
	got, err := pc.get(k, p.seq, func() (*sharedPage, error) { return p, nil })
	if err != nil || got != p {
		t.Fatalf("fill %v: %v %v", k, got, err)
	}
}

func TestPageCacheFreshnessAndBudget(t *testing.T) {
	pc := newPageCache(100)
	a, b, c := kindN(1), kindN(2), kindN(3)
	fill(t, pc, a, page(40, 5))

	// A copy serves its own size and any earlier one, never a later one.
	for _, tc := range []struct {
		seq  int64
		want bool
	}{{4, true}, {5, true}, {6, false}} {
		if got := pc.lookup(a, tc.seq, false) != nil; got != tc.want {
			t.Errorf("copy at 5 asked at %d: found %v, want %v", tc.seq, got, tc.want)
		}
	}
	// An older build never replaces a newer copy.
	pc.store(a, page(40, 3))
	if p := pc.lookup(a, 5, false); p == nil || p.seq != 5 {
		t.Fatalf("older build replaced the copy: %+v", p)
	}

	// Least recently used out first: a was used last, so b goes.
	fill(t, pc, b, page(40, 5))
	pc.lookup(a, 5, false)
	fill(t, pc, c, page(40, 5))
	if pc.lookup(b, 5, false) != nil || pc.lookup(a, 5, false) == nil || pc.lookup(c, 5, false) == nil {
		t.Fatal("eviction did not take the least recently used copy")
	}
	if _, _, used := pc.stats(); used != 80 {
		t.Fatalf("bytes held %d, want 80", used)
	}

	// A copy larger than the budget is built and served but not kept.
	big := page(101, 7)
	if got, err := pc.get(a, 7, func() (*sharedPage, error) { return big, nil }); err != nil || got != big {
		t.Fatalf("big page: %v %v", got, err)
	}
	if pc.lookup(a, 7, false) != nil {
		t.Fatal("a copy over the whole budget was kept")
	}
}

func TestPageCacheVariants(t *testing.T) {
	pc := newPageCache(100)
	a, b := kindN(1), kindN(2)
	pa := page(30, 5)
	fill(t, pc, a, pa)
	fill(t, pc, b, page(30, 5))

	pc.keepVariant(pa, "viewer-1", make([]byte, 20))
	if pc.variant(pa, "viewer-1") == nil || pa.size != 50 {
		t.Fatalf("variant not kept: size %d", pa.size)
	}
	// Room for a variant is made by dropping other kinds, never its own.
	pc.keepVariant(pa, "viewer-2", make([]byte, 40))
	if pc.lookup(b, 5, false) != nil || pc.variant(pa, "viewer-2") == nil {
		t.Fatal("the other kind was not dropped to make room")
	}
	pc.keepVariant(pa, "viewer-3", make([]byte, 20))
	if pc.variant(pa, "viewer-3") != nil || pc.lookup(a, 5, false) == nil {
		t.Fatal("a variant over the budget was kept, or its own copy dropped")
	}
	// A replaced copy takes its variants with it and keeps no new ones.
	fill(t, pc, a, page(30, 6))
	pc.keepVariant(pa, "viewer-4", make([]byte, 1))
	if pc.variant(pa, "viewer-4") != nil {
		t.Fatal("a variant was kept for a copy no longer current")
	}
	if _, _, used := pc.stats(); used != 30 {
		t.Fatalf("bytes held %d, want 30 after the copy with its variants was replaced", used)
	}
}

func TestPageCacheOneBuildForWaitingRequests(t *testing.T) {
	pc := newPageCache(1 << 20)
	k := kindN(1)
	var builds atomic.Int32
	release := make(chan struct{})
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _ = pc.get(k, 9, func() (*sharedPage, error) {
				builds.Add(1)
				<-release
				return page(10, 9), nil
			})
		}()
	}
	for builds.Load() == 0 { // wait until one request is building
		runtime.Gosched()
	}
	close(release)
	wg.Wait()
	// Late arrivals find the stored copy, either before joining the build
	// or inside it: one build in all.
	if n := builds.Load(); n != 1 {
		t.Fatalf("%d builds for one missing copy", n)
	}
	hits, misses, _ := pc.stats()
	if hits+misses != 20 {
		t.Fatalf("%d hits and %d misses for 20 requests", hits, misses)
	}
	// A failed build is not kept: the next request builds again.
	fail := errors.New("database gone")
	if _, err := pc.get(kindN(2), 1, func() (*sharedPage, error) { return nil, fail }); !errors.Is(err, fail) {
		t.Fatalf("error not passed on: %v", err)
	}
	if pc.lookup(kindN(2), 1, false) != nil {
		t.Fatal("a failed build left a copy")
	}
}
