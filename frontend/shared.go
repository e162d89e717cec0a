package frontend

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"html/template"
	"io"
	"strconv"
)

// A shared render is a page's content rendered once for every viewer of the
// same kind (role, group, voting right, language) and then completed per
// request. The parts that belong to one viewer are left as slots: the CSRF
// token, the default deadline of the ballot form (it moves with the clock)
// and the edit form under the viewer's own comments.
//
// A slot is written as a marker: a fixed prefix with a random nonce made at
// start-up, a kind letter and, for comments, the id. The nonce never leaves
// the server (every marker is replaced before a byte is sent), and every
// marker is plain letters and digits, which html/template writes unchanged
// in text and attribute values alike. A comment cannot forge one: its author
// would have to know the nonce.

// Slot kinds.
const (
	SlotCSRF     byte = 'c'
	SlotDeadline byte = 'd'
	SlotEdit     byte = 'e'
)

// Marks writes and finds slot markers.
type Marks struct{ prefix []byte }

// NewMarks makes markers with a fresh random nonce.
func NewMarks() (Marks, error) {
	nonce := make([]byte, 16)
	if _, err := rand.Read(nonce); err != nil {
		return Marks{}, fmt.Errorf("slot nonce: %w", err)
	}
	return Marks{prefix: []byte("rtslot" + hex.EncodeToString(nonce))}, nil
}

// Mark is the marker of a slot; id is used by SlotEdit only.
func (m Marks) Mark(kind byte, id int64) string {
	s := string(m.prefix) + string(kind)
	if kind == SlotEdit {
		s += strconv.FormatInt(id, 10) + "z"
	}
	return s
}

// Part is a piece of a shared render: literal bytes, then (when Slot is not
// zero) the slot that follows them.
type Part struct {
	Text []byte
	Slot byte
	ID   int64
}

// Split cuts a shared render at its markers.
func (m Marks) Split(b []byte) ([]Part, error) {
	var parts []Part
	for {
		i := bytes.Index(b, m.prefix)
		if i < 0 {
			return append(parts, Part{Text: b}), nil
		}
		p := Part{Text: b[:i]}
		rest := b[i+len(m.prefix):]
		if len(rest) == 0 {
			return nil, fmt.Errorf("split shared render: marker without kind")
		}
		p.Slot, rest = rest[0], rest[1:]
		switch p.Slot {
		case SlotCSRF, SlotDeadline:
		case SlotEdit:
			end := bytes.IndexByte(rest, 'z')
			if end < 0 {
				return nil, fmt.Errorf("split shared render: edit marker without end")
			}
			id, err := strconv.ParseInt(string(rest[:end]), 10, 64)
			if err != nil {
				return nil, fmt.Errorf("split shared render: edit marker id: %w", err)
			}
			p.ID, rest = id, rest[end+1:]
		default:
			return nil, fmt.Errorf("split shared render: unknown slot %q", p.Slot)
		}
		parts = append(parts, p)
		b = rest
	}
}

// EditSlot is called by templates rendering a shared copy: where a comment's
// edit form would go for its author, it leaves a marker.
func (p *Page) EditSlot(id int64) template.HTML {
	return template.HTML(p.Marks.Mark(SlotEdit, id)) //nolint:gosec // letters and digits only, made here
}

// RenderContent renders only the page's "content" block (no layout).
func (r *Renderer) RenderContent(w io.Writer, page string, p *Page) error {
	return r.RenderBlock(w, page, "content", p, p)
}

// RenderBlock renders one named template of a page with data, for the
// parts of a shared render completed per request.
func (r *Renderer) RenderBlock(w io.Writer, page, block string, p *Page, data any) error {
	t, ok := r.pages[page]
	if !ok {
		return fmt.Errorf("render: no page %q", page)
	}
	p.cat = r.catalog
	p.Page = page
	if err := t.ExecuteTemplate(w, block, data); err != nil {
		return fmt.Errorf("render %s/%s: %w", page, block, err)
	}
	return nil
}

// frameMark stands for the content while the layout alone is rendered; it
// is only ever compared with the layout's own output.
const frameMark = "\x00rt-content\x00"

// RenderFrame renders the layout of page around nothing and returns what
// goes before and after the content.
func (r *Renderer) RenderFrame(page string, p *Page) (head, tail []byte, err error) {
	p.cat = r.catalog
	p.Page = page
	p.Inset = frameMark
	var buf bytes.Buffer
	if err := r.frame.ExecuteTemplate(&buf, "layout.html", p); err != nil {
		return nil, nil, fmt.Errorf("render frame of %s: %w", page, err)
	}
	head, tail, ok := bytes.Cut(buf.Bytes(), []byte(frameMark))
	if !ok {
		return nil, nil, fmt.Errorf("render frame of %s: no content in the layout", page)
	}
	return head, tail, nil
}
