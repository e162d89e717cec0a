package auditlog

import (
	"bufio"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"runtime"
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
	f   eventFields
	in  interner
	buf []byte
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
	if err := parseLine(b, f, &ps.in); err != nil {
		p.err = err
		return
	}
	p.kind = f.kind
	if f.kind != kindEvent {
		p.raw = b
		return
	}
	ev := storedEvent{rec: f.rec, line: lineNo}
	ev.prev, ev.prevErr = parseHashHexBytes(f.prevHash)
	ev.hash, ev.hashErr = parseHashHexBytes(f.hash)
	ev.invalid = f.rec.validateScalars()
	if ev.invalid == nil && (len(f.rec.Data) == 0 || f.rec.Data[0] != '{') {
		// The line reader already checked that data is JSON and compacted
		// it; only its type remains.
		ev.invalid = errors.New("data: must be a JSON object")
	}
	ps.buf = append(ps.buf[:0], 0x00) // RFC 6962 leaf prefix, see LeafHash
	ps.buf = f.rec.appendCanonical(ps.buf, f.hints)
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
	p.ev = ev
}

// lineBatch is a run of consecutive lines, parsed together by one worker.
type lineBatch struct {
	buf    []byte
	ends   []int  // end offset of each line in buf
	long   []bool // the line was longer than maxLineBytes (not stored)
	first  int64  // line number of the first line
	parsed []parsedLine
	done   chan struct{}
}

const (
	batchLines = 2048
	batchBytes = 1 << 20
)

func (b *lineBatch) reset(first int64) {
	b.buf, b.ends, b.long, b.first = b.buf[:0], b.ends[:0], b.long[:0], first
	b.done = make(chan struct{})
}

func (b *lineBatch) full() bool { return len(b.ends) >= batchLines || len(b.buf) >= batchBytes }

func (b *lineBatch) parse(ps *parseStage) {
	b.parsed = b.parsed[:0]
	start := 0
	for i, end := range b.ends {
		b.parsed = append(b.parsed, parsedLine{})
		ps.line(&b.parsed[i], b.buf[start:end], b.first+int64(i), b.long[i], true)
		start = end
	}
	close(b.done)
}

// verifyParallel is Verify with parsing spread over workers. Memory stays
// bounded: at most a few batches (about a MiB each) are in flight.
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
	// The reader runs ahead of the checks; readErr is read only after
	// ordered is closed, which happens after the reader's last write.
	var readErr error
	var readLines int64
	go func() {
		defer close(ordered)
		defer close(work)
		br := bufio.NewReaderSize(r, 256<<10)
		var long []byte
		b := <-free
		b.reset(1)
		send := func() {
			work <- b
			ordered <- b
		}
		for {
			line, tooLong, err := readLine(br, &long)
			if err != nil {
				if !errors.Is(err, io.EOF) {
					readErr = err
				}
				break
			}
			readLines++
			if !tooLong {
				b.buf = append(b.buf, line...)
			}
			b.ends = append(b.ends, len(b.buf))
			b.long = append(b.long, tooLong)
			if b.full() {
				send()
				b = <-free
				b.reset(readLines + 1)
			}
		}
		if len(b.ends) > 0 {
			send()
		}
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
	if readErr != nil {
		return x.v.Report(), fmt.Errorf("reading export after line %d: %w", readLines, readErr)
	}
	return x.v.Report(), nil
}
