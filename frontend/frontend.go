// Package frontend holds what people see: html/template pages parsed once
// at start-up from embedded files, the stylesheet and the small script
// that enhances pages, and the Korean and English message catalogues.
// Nothing here loads from the internet.
package frontend

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

//go:embed templates/*.html static i18n/*.json
var files embed.FS

// Static is the tree served under /static/.
func Static() fs.FS {
	sub, err := fs.Sub(files, "static")
	if err != nil {
		panic(err) // the embed directive guarantees the directory
	}
	return sub
}

// Renderer executes pages. Each page is the layout plus one page file,
// parsed at start-up so a template error stops the server from starting
// rather than surfacing on some request later.
type Renderer struct {
	pages   map[string]*template.Template
	catalog *Catalog
	// frame is the layout around a content rendered beforehand (shared.go).
	frame *template.Template
}

// NewRenderer parses every page under templates/.
func NewRenderer(cat *Catalog) (*Renderer, error) {
	base, err := template.New("layout.html").Funcs(funcs()).ParseFS(files, "templates/layout.html", "templates/partials.html")
	if err != nil {
		return nil, fmt.Errorf("parse layout: %w", err)
	}
	names, err := fs.Glob(files, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("list templates: %w", err)
	}
	r := &Renderer{pages: map[string]*template.Template{}, catalog: cat}
	for _, name := range names {
		page := strings.TrimSuffix(path.Base(name), ".html")
		if page == "layout" || page == "partials" {
			continue
		}
		t, err := template.Must(base.Clone()).ParseFS(files, name)
		if err != nil {
			return nil, fmt.Errorf("parse page %s: %w", page, err)
		}
		r.pages[page] = t
	}
	if r.frame, err = template.Must(base.Clone()).Parse(`{{define "content"}}{{.Inset}}{{end}}`); err != nil {
		return nil, fmt.Errorf("parse frame: %w", err)
	}
	return r, nil
}

// Render writes the page into w. It renders into a buffer first so that a
// failing template never leaves half a page behind.
func (r *Renderer) Render(w io.Writer, page string, p *Page) error {
	t, ok := r.pages[page]
	if !ok {
		return fmt.Errorf("render: no page %q", page)
	}
	p.cat = r.catalog
	p.Page = page
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", p); err != nil {
		return fmt.Errorf("render %s: %w", page, err)
	}
	_, err := buf.WriteTo(w)
	return err
}

// HasPage tells whether a page exists (used by tests).
func (r *Renderer) HasPage(page string) bool { _, ok := r.pages[page]; return ok }

var seoul = time.FixedZone("KST", 9*60*60)

// KST formats a stored UTC time in Korea time, where the council sits.
func KST(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(seoul).Format("2006-01-02 15:04")
}

func funcs() template.FuncMap {
	return template.FuncMap{
		"kst": KST,
		"iso": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"add": func(a, b int) int { return a + b },
		"mul": func(a, b int) int { return a * b },
		// Chart arithmetic, in SVG user units.
		"add_f": func(a, b float64) float64 { return a + b },
		"sub_f": func(a, b float64) float64 { return a - b },
		"pct": func(part, whole int) float64 {
			if whole == 0 {
				return 0
			}
			return float64(part) * 100 / float64(whole)
		},
		"chart_height": func(rows int) int { return rows*16 + 2 },
		"deref_s": func(p *string) string {
			if p == nil {
				return ""
			}
			return *p
		},
		"deref_time": func(p *time.Time) time.Time {
			if p == nil {
				return time.Time{}
			}
			return *p
		},
		// dict passes several values to a nested template.
		"dict": func(kv ...any) (map[string]any, error) {
			if len(kv)%2 != 0 {
				return nil, fmt.Errorf("dict: odd number of arguments")
			}
			m := make(map[string]any, len(kv)/2)
			for i := 0; i < len(kv); i += 2 {
				k, ok := kv[i].(string)
				if !ok {
					return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
				}
				m[k] = kv[i+1]
			}
			return m, nil
		},
		// excerpt shortens text for lists, counting characters, not bytes.
		"excerpt": func(s string, n int) string {
			r := []rune(strings.Join(strings.Fields(s), " "))
			if len(r) <= n {
				return string(r)
			}
			return string(r[:n]) + "…"
		},
		// thousands formats a count or an amount with separators ("" for nil,
		// which the caller shows as withheld).
		"thousands": func(v any) string {
			switch x := v.(type) {
			case int64:
				return groupDigits(x)
			case *int64:
				if x == nil {
					return ""
				}
				return groupDigits(*x)
			case int:
				return groupDigits(int64(x))
			}
			return fmt.Sprint(v)
		},
		"isnil": func(p *int64) bool { return p == nil },
		"thousands_or": func(p *int64, withheld string) string {
			if p == nil {
				return withheld
			}
			return groupDigits(*p)
		},
		"has": func(list []string, v string) bool {
			for _, x := range list {
				if x == v {
					return true
				}
			}
			return false
		},
		// rowErrorsRule picks rule i's errors out of fields named like
		// "rules[2].pay.cap".
		"rowErrorsRule": func(fields map[string]string, i int) []string {
			prefix := fmt.Sprintf("rules[%d].", i)
			var out []string
			for k, v := range fields {
				if strings.HasPrefix(k, prefix) {
					out = append(out, strings.TrimPrefix(k, prefix)+": "+v)
				}
			}
			sort.Strings(out)
			return out
		},
		"ptrEq": func(p *int64, v int64) bool { return p != nil && *p == v },
		// rowErrors picks a form row's errors out of fields named like
		// "clauses[2].title".
		"rowErrors": func(fields map[string]string, i int) []string {
			prefix := fmt.Sprintf("clauses[%d].", i)
			var out []string
			for k, v := range fields {
				if strings.HasPrefix(k, prefix) {
					out = append(out, strings.TrimPrefix(k, prefix)+": "+v)
				}
			}
			sort.Strings(out)
			return out
		},
		"deref": func(p *int64) int64 {
			if p == nil {
				return 0
			}
			return *p
		},
	}
}

// groupDigits writes n with thousands separators, as Korean documents do.
func groupDigits(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
