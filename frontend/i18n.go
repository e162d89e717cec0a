package frontend

import (
	"encoding/json"
	"fmt"
	"io/fs"
)

// Languages the UI speaks; the first is the default.
var Languages = []string{"ko", "en"}

// Catalog maps message keys to text per language. It is small and ours:
// a flat JSON file per language keeps translations reviewable side by side.
type Catalog struct {
	msgs map[string]map[string]string
}

// LoadCatalog merges i18n/<area>.<lang>.json for every language. Each
// feature keeps its own file so that translations of different areas are
// reviewed (and edited) apart; a key defined twice is an error, as is a key
// present in one language and missing in another.
func LoadCatalog() (*Catalog, error) {
	c := &Catalog{msgs: map[string]map[string]string{}}
	for _, lang := range Languages {
		names, err := fs.Glob(files, "i18n/*."+lang+".json")
		if err != nil {
			return nil, fmt.Errorf("list catalogues %s: %w", lang, err)
		}
		c.msgs[lang] = map[string]string{}
		for _, name := range names {
			b, err := files.ReadFile(name)
			if err != nil {
				return nil, fmt.Errorf("read catalogue %s: %w", name, err)
			}
			m := map[string]string{}
			if err := json.Unmarshal(b, &m); err != nil {
				return nil, fmt.Errorf("parse catalogue %s: %w", name, err)
			}
			for k, v := range m {
				if _, dup := c.msgs[lang][k]; dup {
					return nil, fmt.Errorf("catalogue %s: key %q is defined twice", name, k)
				}
				c.msgs[lang][k] = v
			}
		}
	}
	for _, lang := range Languages[1:] {
		for k := range c.msgs[Languages[0]] {
			if _, ok := c.msgs[lang][k]; !ok {
				return nil, fmt.Errorf("catalogue %s lacks %q", lang, k)
			}
		}
		for k := range c.msgs[lang] {
			if _, ok := c.msgs[Languages[0]][k]; !ok {
				return nil, fmt.Errorf("catalogue %s lacks %q", Languages[0], k)
			}
		}
	}
	return c, nil
}

// T returns the message in lang, falling back to Korean and then to the
// key itself so a missing translation is visible but never breaks a page.
func (c *Catalog) T(lang, key string, args ...any) string {
	msg, ok := c.msgs[lang][key]
	if !ok {
		msg, ok = c.msgs[Languages[0]][key]
	}
	if !ok {
		return key
	}
	if len(args) > 0 {
		return fmt.Sprintf(msg, args...)
	}
	return msg
}

// Has reports whether lang has key (for catalogue tests and error codes).
func (c *Catalog) Has(lang, key string) bool { _, ok := c.msgs[lang][key]; return ok }

// Keys lists the keys of lang.
func (c *Catalog) Keys(lang string) []string {
	keys := make([]string, 0, len(c.msgs[lang]))
	for k := range c.msgs[lang] {
		keys = append(keys, k)
	}
	return keys
}

// Supported reports whether lang is one of ours.
func Supported(lang string) bool {
	for _, l := range Languages {
		if l == lang {
			return true
		}
	}
	return false
}
