package auditlog

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
)

// Verifying is two kinds of work. Reading each line, decoding it, building
// its canonical bytes and hashing the leaf depends on that line alone;
// checking the chain, growing the tree, comparing checkpoints and tracking
// keys depends on every line before. The first kind is most of the cost, so
// with more than one CPU Verify hands it to workers in batches and keeps the
// second on one goroutine, in file order. Both paths run the same parse and
// handle code (parseStage.line, exportVerifier.handle), so they report the
// same thing.

// workers is how many goroutines parse: opts.Workers, or one per CPU.
func (o VerifyOptions) workers() int {
	if o.Workers > 0 {
		return o.Workers
	}
	return runtime.GOMAXPROCS(0)
}

// parsedLine is what parsing learned from one line.
type parsedLine struct {
	lineNo  int64
	blank   bool
	tooLong bool
	err     error // the line is not valid JSON of the expected shape
	kind    string
	ev      storedEvent // kind event: the event, its stored hashes and its leaf
	raw     []byte      // other kinds: the line, decoded again by encoding/json
}

// parseStage is one parser's scratch space; each worker has its own.
type parseStage struct {
	f    eventFields
	fast fastEvent
	in   interner
	buf  []byte
}

// line parses b (line number lineNo) into p. With detach, p must outlive
// the parser's next call, so the event's data is copied when the handler
// still needs it (key registrations) and dropped otherwise: the leaf is
// already computed.
func (ps *parseStage) line(p *parsedLine, b []byte, lineNo int64, tooLong, detach bool) {
	*p = parsedLine{lineNo: lineNo, tooLong: tooLong}
	if tooLong {
		return
	}
	if skipSpace(b, 0) == len(b) {
		p.blank = true
		return
	}
	f := &ps.f
	// Detached lines need nothing of the members that are only hashed.
	fast := readEventFast(b, f, &ps.fast, &ps.in, !detach)
	if !fast {
		if err := parseLine(b, f, &ps.in); err != nil {
			p.err = err
			return
		}
	}
	p.kind = f.kind
	if f.kind != kindEvent {
		p.raw = b
		return
	}
	ev := &p.ev
	ev.rec, ev.line = f.rec, lineNo
	if fast {
		// The fast reader has decoded the hashes, checked the encoding and
		// that data is an object, and found the canonical bytes as runs of
		// the line.
		ev.prev, ev.hash = ps.fast.prev, ps.fast.hash
		ev.invalid = f.rec.validateValues()
		ps.buf = ps.fast.appendLeafInput(ps.buf[:0], b)
	} else {
		ev.invalid = f.rec.validateScalars()
		if ev.invalid == nil && (len(f.rec.Data) == 0 || f.rec.Data[0] != '{') {
			// The line reader already checked that data is JSON and
			// compacted it; only its type remains.
			ev.invalid = errors.New("data: must be a JSON object")
		}
		ps.buf = append(ps.buf[:0], 0x00) // RFC 6962 leaf prefix, see LeafHash
		ps.buf = f.rec.appendCanonical(ps.buf, f.hints)
		ev.prev, ev.prevErr = parseHashHexBytes(f.prevHash)
		ev.hash, ev.hashErr = parseHashHexBytes(f.hash)
	}
	ev.leaf, ev.leafSet = sha256.Sum256(ps.buf), true
	if ev.prevErr == nil && ev.hashErr == nil {
		// The link needs only this line's own hashes, so it is checked here
		// on every CPU; the ordered stage then compares prev_hash with the
		// previous line's hash, which is cheap.
		ev.linkChecked, ev.linkOK = true, ChainHash(ev.prev, ev.leaf) == ev.hash
	}
	if detach {
		if ev.rec.Action == ActionKeyInit || ev.rec.Action == ActionKeyChanged {
			ev.rec.Data = append([]byte(nil), ev.rec.Data...)
		} else {
			ev.rec.Data = nil
		}
	}
}

// lineBatch is a run of consecutive whole lines, read as one block and
// parsed together by one worker.
type lineBatch struct {
	buf     []byte // whole lines, each ending in '\n' except at the end of input
	first   int64  // line number of the first line
	tooLong bool   // the batch is one line longer than maxLineBytes, not kept
	parsed  []parsedLine
	done    chan struct{}
}

// Batches start small, so that verifying a short export allocates little,
// and double up to batchBytes: large enough that per-batch costs do not
// show, small enough that a batch and its parsed lines stay in a core's
// cache between the worker and the ordered stage (a quarter MiB measured
// faster than a whole one).
const (
	firstBatchBytes = 64 << 10
	batchBytes      = 256 << 10
)

func (b *lineBatch) parse(ps *parseStage) {
	b.parsed = b.parsed[:0]
	if b.tooLong {
		b.parsed = append(b.parsed, parsedLine{lineNo: b.first, tooLong: true})
		close(b.done)
		return
	}
	rest := b.buf
	for n := b.first; len(rest) > 0; n++ {
		line := rest
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			line, rest = rest[:i+1], rest[i+1:]
		} else {
			rest = nil
		}
		// The reader skips a line once it has more than maxLineBytes
		// without a newline, but one that ends just past the limit, inside
		// the batch, arrives whole.
		tooLong := len(line) > maxLineBytes
		b.parsed = append(b.parsed, parsedLine{})
		ps.line(&b.parsed[len(b.parsed)-1], trimEOL(line), n, tooLong, true)
	}
	close(b.done)
}

// batchReader cuts its input into batches of whole lines. It reads straight
// into the batch's buffer; the part line at the end of a block moves to the
// front of the next.
type batchReader struct {
	r     io.Reader
	free  chan *lineBatch
	send  func(*lineBatch)
	size  int   // capacity the next batch is read with
	lines int64 // lines sent so far
	err   error // the read error that ended input, if not io.EOF
}

// next takes a free batch for the lines after those sent, starting with carry.
func (br *batchReader) next(carry []byte) *lineBatch {
	b := <-br.free
	b.first, b.tooLong, b.done = br.lines+1, false, make(chan struct{})
	if cap(b.buf) < br.size {
		b.buf = make([]byte, 0, br.size)
	}
	b.buf = append(b.buf[:0], carry...)
	br.size = min(2*br.size, batchBytes)
	return b
}

// ship sends b holding its whole lines and returns a batch with the rest.
func (br *batchReader) ship(b *lineBatch) *lineBatch {
	cut := bytes.LastIndexByte(b.buf, '\n') + 1
	whole, carry := b.buf[:cut], b.buf[cut:]
	br.lines += int64(bytes.Count(whole, []byte{'\n'}))
	next := br.next(carry)
	b.buf = whole
	br.send(b)
	return next
}

func (br *batchReader) run() {
	b := br.next(nil)
	for {
		if len(b.buf) == cap(b.buf) {
			switch {
			case bytes.IndexByte(b.buf, '\n') >= 0:
				b = br.ship(b)
			case len(b.buf) > maxLineBytes:
				b = br.skipLongLine(b)
			default:
				// One line fills the batch: give it room, up to the point
				// where it is too long whatever follows.
				b.buf = slices.Grow(b.buf, min(len(b.buf), maxLineBytes+1-len(b.buf)))
			}
			if b == nil {
				return
			}
			continue
		}
		n, err := br.r.Read(b.buf[len(b.buf):cap(b.buf)])
		b.buf = b.buf[:len(b.buf)+n]
		if err == nil {
			continue
		}
		if !errors.Is(err, io.EOF) {
			// Like the sequential reader, keep the whole lines read and drop
			// the part line the error cut short.
			br.err = err
			b.buf = b.buf[:bytes.LastIndexByte(b.buf, '\n')+1]
		}
		if len(b.buf) > 0 {
			br.lines += int64(bytes.Count(b.buf, []byte{'\n'}))
			if b.buf[len(b.buf)-1] != '\n' {
				br.lines++
			}
			br.send(b)
		}
		return
	}
}

// skipLongLine turns b, which holds only the start of a line longer than
// maxLineBytes, into that line's too-long marker, reads past the line's end
// and returns the batch for what follows (nil at the end of input).
func (br *batchReader) skipLongLine(b *lineBatch) *lineBatch {
	b.tooLong = true
	for {
		n, err := br.r.Read(b.buf[:cap(b.buf)])
		chunk := b.buf[:n]
		if i := bytes.IndexByte(chunk, '\n'); i >= 0 {
			br.lines++
			next := br.next(chunk[i+1:])
			br.send(b)
			return next
		}
		if err != nil {
			if !errors.Is(err, io.EOF) {
				br.err = err
				return nil
			}
			br.lines++
			br.send(b)
			return nil
		}
	}
}

// verifyParallel is Verify with parsing spread over workers. Memory stays
// bounded: at most a few batches (a quarter MiB each) are in flight.
func verifyParallel(r io.Reader, opts VerifyOptions, workers int) (Report, error) {
	work := make(chan *lineBatch, workers)
	ordered := make(chan *lineBatch, 2*workers)
	free := make(chan *lineBatch, 2*workers+2)
	for range cap(free) {
		free <- &lineBatch{}
	}
	for range workers {
		go func() {
			var ps parseStage
			for b := range work {
				b.parse(&ps)
			}
		}()
	}
	// The reader runs ahead of the checks; its fields are read only after
	// ordered is closed, which happens after the reader's last write.
	br := &batchReader{r: r, free: free, size: firstBatchBytes, send: func(b *lineBatch) {
		work <- b
		ordered <- b
	}}
	go func() {
		defer close(ordered)
		defer close(work)
		br.run()
	}()
	x := exportVerifier{opts: opts}
	for b := range ordered {
		<-b.done
		for i := range b.parsed {
			x.handle(&b.parsed[i])
		}
		free <- b
	}
	x.finish()
	if br.err != nil {
		return x.v.Report(), fmt.Errorf("reading export after line %d: %w", br.lines, br.err)
	}
	return x.v.Report(), nil
}
