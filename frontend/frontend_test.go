package frontend

import "testing"

// The catalogues load (no duplicate keys, both languages complete) and
// every page template parses.
func TestCatalogueAndPagesLoad(t *testing.T) {
	cat, err := LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	if got := cat.T("ko", "app.name"); got != "라운드테이블" {
		t.Errorf("ko app.name = %q", got)
	}
	if got := cat.T("en", "version.number", 3); got != "Version 3" {
		t.Errorf("en version.number = %q", got)
	}
	if got := cat.T("en", "no.such.key"); got != "no.such.key" {
		t.Errorf("missing key = %q", got)
	}
	r, err := NewRenderer(cat)
	if err != nil {
		t.Fatal(err)
	}
	for _, page := range []string{"login", "home", "error", "users", "user", "audit", "documents", "document", "version", "version_edit", "diff", "register"} {
		if !r.HasPage(page) {
			t.Errorf("page %s missing", page)
		}
	}
}
