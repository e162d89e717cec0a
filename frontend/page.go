package frontend

import (
	"html/template"
	"net/url"
)

// Viewer is the signed-in person as pages show them.
type Viewer struct {
	ID           int64
	Name         string
	Email        string
	Role         string
	Group        string // group key, members only
	GroupName    string
	Organisation string
}

// Page is what every template receives: the frame (language, viewer, CSRF
// token, demo flag) and the page's own Data.
type Page struct {
	Lang    string
	Title   string
	Viewer  *Viewer
	CSRF    string
	Demo    bool
	Path    string // current path with query, for the language switch
	Flash   string
	Error   string
	Fields  map[string]string
	Data    any
	Status  int
	Page    string
	Council string
	// Marks is set while rendering a copy shared by many viewers, whose
	// per-viewer parts are left as slots (shared.go); Inset is a content
	// rendered beforehand, placed in the layout.
	Marks Marks
	Inset template.HTML
	cat   *Catalog
}

// Shared reports whether this render is a copy for many viewers.
func (p *Page) Shared() bool { return len(p.Marks.prefix) > 0 }

// T translates key into the page's language.
func (p *Page) T(key string, args ...any) string { return p.cat.T(p.Lang, key, args...) }

// Other is the language the switch offers.
func (p *Page) Other() string {
	if p.Lang == "en" {
		return "ko"
	}
	return "en"
}

// LangURL is the link that switches language and comes back here.
func (p *Page) LangURL(lang string) string {
	return "/lang/" + lang + "?next=" + url.QueryEscape(p.Path)
}

// Is reports whether the viewer holds role.
func (p *Page) Is(role string) bool { return p.Viewer != nil && p.Viewer.Role == role }

// Has reports whether the catalogue has key in the page's language.
func (p *Page) Has(key string) bool { return p.cat.Has(p.Lang, key) }

// Why translates a field error reason code ("required", "too_long", …);
// free-form reasons are shown as they are.
func (p *Page) Why(reason string) string {
	if p.cat.Has(p.Lang, "why."+reason) {
		return p.cat.T(p.Lang, "why."+reason)
	}
	return reason
}
