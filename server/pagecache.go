package server

import (
	"container/list"
	"fmt"
	"sync"

	"golang.org/x/sync/singleflight"

	"roundtable/frontend"
	"roundtable/models"
	"roundtable/policy"
)

// The version page of a large document is the most read page of a council
// at work and the most expensive to build (every clause with its recent
// threads). Its content is the same for every viewer of one kind, so it is
// rendered once per kind and kept here, with the per-viewer parts left as
// slots (frontend/shared.go).
//
// Freshness rests on an invariant the store already keeps: every state
// change appends an audit event in the same transaction, so the history's
// size (one primary-key read) changes whenever anything a page shows could
// have. A copy rendered after reading size n shows the state at n or later
// and may serve any request that read a size ≤ its own. This is exact on
// several instances too: each keeps its own copies, all keyed by the one
// shared history.

// pageKind is what a shared copy depends on besides the data: who looks
// (policy decisions on these pages are by role, group and voting right,
// never by person) and in which language.
type pageKind struct {
	version int64
	role    string
	group   string
	votes   bool
	lang    string
}

func kindOf(versionID int64, sub policy.Subject, lang string) pageKind {
	return pageKind{version: versionID, role: sub.Role, group: sub.Group, votes: sub.Votes, lang: lang}
}

// sharedPage is one shared copy of a version page's content.
type sharedPage struct {
	kind    pageKind
	seq     int64 // history size read before the copy was built
	version *models.Version
	title   string
	council string // the council's name in the copy's language
	parts   []frontend.Part
	// hasDeadline: the page has the open-ballot form, whose default
	// deadline moves with the clock.
	hasDeadline bool
	// comments with an edit slot, to render the form for their author
	comments map[int64]*models.Comment
	size     int // bytes held, variants included; changed under the cache's lock
	// variants are finished, compressed pages for single viewers, kept as
	// long as the copy (writeShared); guarded by the cache's lock.
	variants map[string][]byte
}

// pageCache keeps the newest copy of each page kind, least recently used
// first out when the byte budget is spent.
type pageCache struct {
	mu     sync.Mutex
	budget int
	used   int
	order  *list.List // of pageKind, most recently used at the front
	items  map[pageKind]*cacheItem
	fill   singleflight.Group

	hits, misses uint64
}

type cacheItem struct {
	page *sharedPage
	elem *list.Element
}

func newPageCache(budget int) *pageCache {
	return &pageCache{budget: budget, order: list.New(), items: map[pageKind]*cacheItem{}}
}

// get returns a copy of kind no older than seq, building it with build when
// there is none. Concurrent requests for the same missing copy wait for one
// build instead of each running their own.
func (pc *pageCache) get(k pageKind, seq int64, build func() (*sharedPage, error)) (*sharedPage, error) {
	if p := pc.lookup(k, seq, true); p != nil {
		return p, nil
	}
	key := fmt.Sprintf("%d/%s/%s/%t/%s/%d", k.version, k.role, k.group, k.votes, k.lang, seq)
	v, err, _ := pc.fill.Do(key, func() (any, error) {
		if p := pc.lookup(k, seq, false); p != nil { // built while this one waited
			return p, nil
		}
		p, err := build()
		if err != nil {
			return nil, err
		}
		p.kind = k
		pc.store(k, p)
		return p, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*sharedPage), nil
}

// lookup finds a copy of kind no older than seq; count says whether the
// request is counted as a hit or a miss for /metrics.
func (pc *pageCache) lookup(k pageKind, seq int64, count bool) *sharedPage {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	it := pc.items[k]
	if it == nil || it.page.seq < seq {
		if count {
			pc.misses++
		}
		return nil
	}
	if count {
		pc.hits++
	}
	pc.order.MoveToFront(it.elem)
	return it.page
}

// dropOldest removes the least recently used copy unless it is of kind
// keep, and reports whether it removed one. The caller holds pc.mu.
func (pc *pageCache) dropOldest(keep pageKind) bool {
	last := pc.order.Back()
	if last == nil || last.Value.(pageKind) == keep {
		return false
	}
	old := last.Value.(pageKind)
	pc.used -= pc.items[old].page.size
	delete(pc.items, old)
	pc.order.Remove(last)
	return true
}

func (pc *pageCache) store(k pageKind, p *sharedPage) {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	if p.size > pc.budget {
		return
	}
	if it := pc.items[k]; it != nil {
		if it.page.seq > p.seq {
			return
		}
		pc.used -= it.page.size
		it.page = p
		pc.order.MoveToFront(it.elem)
	} else {
		pc.items[k] = &cacheItem{page: p, elem: pc.order.PushFront(k)}
	}
	pc.used += p.size
	for pc.used > pc.budget {
		if !pc.dropOldest(k) {
			break
		}
	}
}

// variant returns a viewer's compressed page kept with p, or nil.
func (pc *pageCache) variant(p *sharedPage, key string) []byte {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	return p.variants[key]
}

// keepVariant keeps a viewer's compressed page with p while p is the
// current copy of its kind, within the byte budget. Older copies of other
// kinds are dropped to make room, never p itself.
func (pc *pageCache) keepVariant(p *sharedPage, key string, b []byte) {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	it := pc.items[p.kind]
	if it == nil || it.page != p || p.variants[key] != nil {
		return
	}
	for pc.used+len(b) > pc.budget {
		if !pc.dropOldest(p.kind) {
			return
		}
	}
	if p.variants == nil {
		p.variants = map[string][]byte{}
	}
	p.variants[key] = b
	p.size += len(b)
	pc.used += len(b)
	pc.order.MoveToFront(it.elem)
}

// stats reports hits, misses and bytes held, for /metrics.
func (pc *pageCache) stats() (hits, misses uint64, used int) {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	return pc.hits, pc.misses, pc.used
}
