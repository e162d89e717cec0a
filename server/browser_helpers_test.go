package server_test

// Helpers for the real-browser tests in browser_test.go: find Debian's
// Chromium, start the app on a real listener, open isolated browser tabs and
// drive them with chromedp (v0.23: actions return their values; see the
// module's docs/API.md).

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image/png"
	"io"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"roundtable/models"
	"roundtable/models/storetest"
	"roundtable/policy"
	"roundtable/server"
)

const (
	// tabTimeout bounds one journey, from its first navigation to its last
	// assertion.
	tabTimeout = 60 * time.Second
	// demoPassword is the password of every demo account.
	demoPassword = "roundtable-demo"
	// shotsEnv names a directory that receives a copy of every screenshot,
	// for a person to look at; the tests always write theirs to t.TempDir().
	shotsEnv = "ROUNDTABLE_SCREENSHOTS"
)

// browserPath finds a Chromium-family browser. In CI a missing browser is a
// failure, because the browser tests would silently stop guarding anything;
// elsewhere the tests skip.
func browserPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("ROUNDTABLE_CHROME"); p != "" {
		if _, err := exec.LookPath(p); err != nil {
			t.Fatalf("ROUNDTABLE_CHROME=%q is not an executable: %v", p, err)
		}
		return p
	}
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "no Chromium found (looked for /usr/bin/chromium, chromium, chromium-browser, google-chrome, headless-shell on PATH); install Debian's package: apt-get install chromium"
	if os.Getenv("CI") == "true" {
		t.Fatal("browser tests cannot run in CI: " + msg)
	}
	t.Skip(msg)
	return ""
}

// startBrowser launches one headless Chromium for the whole test, with a
// profile under t.TempDir(), and closes it (waiting for the process to exit)
// when the test ends. Journeys open their own isolated tabs with newTab.
func startBrowser(t *testing.T) context.Context {
	t.Helper()
	exe := browserPath(t)
	profile := t.TempDir() // created before the cleanup below, so removed after it
	var out syncBuffer
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 900),
		chromedp.CombinedOutput(&out),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelBrowser := chromedp.NewContext(allocCtx)
	// The first Run binds the browser's life to ctx, so it gets no deadline;
	// each tab's work has one instead.
	if err := chromedp.Do(ctx); err != nil {
		cancelBrowser()
		cancelAlloc()
		t.Fatalf("start %s: %v\nbrowser output:\n%s", exe, err, out.String())
	}
	t.Cleanup(func() {
		cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		defer cancel()
		if err := chromedp.Cancel(cctx); err != nil && !errors.Is(err, context.Canceled) {
			t.Logf("closing the browser: %v", err)
		}
		cancelBrowser()
		cancelAlloc()
	})
	return ctx
}

// startApp serves a fresh demo council on a real loopback listener.
func startApp(t *testing.T) string {
	t.Helper()
	st := storetest.Demo(t, models.SQLite)
	authz, err := policy.New()
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(st, authz, slog.New(slog.NewTextHandler(io.Discard, nil)), server.Config{Demo: true})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return ts.URL
}

// tab is one browser tab in its own browser context (its own cookies), bound
// to one app and to a deadline. It records every console message, uncaught
// exception and browser log entry (where CSP violations are reported).
type tab struct {
	t    *testing.T
	ctx  context.Context
	base string

	mu      sync.Mutex
	console []chromedp.ConsoleMessage
}

func newTab(t *testing.T, browser context.Context, base string) *tab {
	t.Helper()
	tctx, cancelTab := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	if err := chromedp.Do(tctx); err != nil {
		cancelTab()
		t.Fatalf("open a tab: %v", err)
	}
	tb := &tab{t: t, base: base}
	// Subscribe before the first navigation so that nothing is missed.
	messages := chromedp.Console(tctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for m, err := range messages {
			if err != nil {
				return
			}
			tb.mu.Lock()
			tb.console = append(tb.console, m)
			tb.mu.Unlock()
		}
	}()
	dctx, cancelDeadline := context.WithTimeout(tctx, tabTimeout)
	tb.ctx = dctx
	t.Cleanup(func() {
		cancelDeadline()
		cancelTab()
		<-done
	})
	return tb
}

// fatal stops the journey with what it was doing and where the tab was.
func (b *tab) fatal(step string, err error) {
	b.t.Helper()
	lctx, cancel := context.WithTimeout(context.WithoutCancel(b.ctx), 2*time.Second)
	defer cancel()
	where, _ := chromedp.Run(lctx, chromedp.Location())
	if errors.Is(err, context.DeadlineExceeded) {
		err = errors.New("timed out (the page never showed what the step waited for)")
	}
	b.t.Fatalf("%s: %v (page: %s)", step, err, where)
}

// open loads path (relative to the app) and returns the HTTP status of the
// document that finally loaded (after redirects).
func (b *tab) open(path string) int64 {
	b.t.Helper()
	resp, err := chromedp.Run(b.ctx, chromedp.NavigateResponse(b.base+path))
	if err != nil {
		b.fatal("open "+path, err)
	}
	return resp.Status
}

// click clicks the element and waits for the page it leads to; it returns the
// status of the new document.
func (b *tab) click(sel string) int64 {
	b.t.Helper()
	resp, err := chromedp.RunResponse(b.ctx, chromedp.Click(chromedp.CSS(sel)))
	if err != nil {
		b.fatal("click "+sel, err)
	}
	if resp == nil {
		b.fatal("click "+sel, errors.New("no document loaded"))
	}
	return resp.Status
}

// fill replaces the field's content by typing v into it, as a person would,
// and checks that the field then holds exactly v.
func (b *tab) fill(sel, v string) {
	b.t.Helper()
	// Not SetValue(sel, ""): chromedp v0.23.0 drops an empty-string argument
	// (json/v2 omitempty on runtime.CallArgument.Value), so the field would
	// end up holding "undefined".
	q, _ := json.Marshal(sel)
	if err := chromedp.Do(b.ctx,
		chromedp.WaitVisible(chromedp.CSS(sel)),
		chromedp.Evaluate[chromedp.Void](`document.querySelector(`+string(q)+`).value = ""`),
		chromedp.SendKeys(chromedp.CSS(sel), v),
	); err != nil {
		b.fatal("type into "+sel, err)
	}
	if got := b.value(sel); got != v {
		b.t.Fatalf("typed %q into %s but it holds %q", v, sel, got)
	}
}

// choose selects the option with value v in a <select>.
func (b *tab) choose(sel, v string) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, chromedp.WaitVisible(chromedp.CSS(sel)), chromedp.SetValue(chromedp.CSS(sel), v)); err != nil {
		b.fatal("choose "+v+" in "+sel, err)
	}
	if got := b.value(sel); got != v {
		b.t.Fatalf("%s: chose %q but the field holds %q (no such option?)", sel, v, got)
	}
}

// text waits for the element to be visible and returns its visible text.
func (b *tab) text(sel string) string {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, chromedp.WaitVisible(chromedp.CSS(sel))); err != nil {
		b.fatal("wait for "+sel, err)
	}
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.fatal("read "+sel, err)
	}
	return strings.Join(strings.Fields(s), " ")
}

func (b *tab) value(sel string) string {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Value(chromedp.CSS(sel)))
	if err != nil {
		b.fatal("read the value of "+sel, err)
	}
	return v
}

// see asserts that the element shows every one of wants.
func (b *tab) see(sel string, wants ...string) {
	b.t.Helper()
	got := b.text(sel)
	for _, w := range wants {
		if !strings.Contains(got, w) {
			b.t.Errorf("%s shows %q; want it to contain %q", sel, got, w)
		}
	}
}

// eval runs a JavaScript expression in the page.
func eval[T any](b *tab, expr string) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.fatal("evaluate "+expr, err)
	}
	return v
}

// path is the current path with its query, e.g. "/login?next=%2Faudit".
func (b *tab) path() string {
	b.t.Helper()
	loc, err := chromedp.Run(b.ctx, chromedp.Location())
	if err != nil {
		b.fatal("read the location", err)
	}
	u, err := url.Parse(loc)
	if err != nil {
		b.t.Fatalf("location %q: %v", loc, err)
	}
	return u.RequestURI()
}

func (b *tab) wantPath(want string) {
	b.t.Helper()
	if got := b.path(); got != want {
		b.t.Fatalf("the browser is at %s; want %s", got, want)
	}
}

// lang is the language the page declares on <html>.
func (b *tab) lang() string {
	b.t.Helper()
	return eval[string](b, `document.documentElement.lang`)
}

// login fills the sign-in form shown on the current page and submits it.
func (b *tab) login(email, password string) int64 {
	b.t.Helper()
	b.fill("#email", email)
	b.fill("#password", password)
	return b.click(`form[action="/login"] button[type="submit"]`)
}

// viewport sets the layout size; a width under 600 px emulates a phone
// (mobile viewport meta honoured, touch on). Load a page afterwards.
func (b *tab) viewport(w, h int64) {
	b.t.Helper()
	var opts []chromedp.EmulateViewportOption
	if w < 600 {
		opts = append(opts, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait)
	}
	if err := chromedp.Do(b.ctx, chromedp.EmulateViewport(w, h, opts...)); err != nil {
		b.fatal("set the viewport", err)
	}
}

// noSidewaysScroll fails when the page is wider than the viewport, the
// commonest way a layout breaks on a phone.
func (b *tab) noSidewaysScroll(what string) {
	b.t.Helper()
	type widths struct {
		Doc, View int
		Wide      []string
	}
	w := eval[widths](b, `(() => {
		const view = document.documentElement.clientWidth;
		const wide = [];
		for (const el of document.querySelectorAll('body *')) {
			const r = el.getBoundingClientRect();
			if (r.width > 0 && r.right > view + 1 && !el.closest('table.data, .sr-only, .skip')) {
				wide.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().replace(/\s+/g, '.') : '') + ' right=' + Math.round(r.right));
			}
		}
		return {Doc: document.documentElement.scrollWidth, View: view, Wide: wide.slice(0, 5)};
	})()`)
	if w.Doc > w.View {
		b.t.Errorf("%s scrolls sideways: the page is %d px wide in a %d px viewport; too wide: %v", what, w.Doc, w.View, w.Wide)
	}
}

// brokenWords lists the words under sel that the layout split across lines
// although they hold no natural break point — e.g. a Korean name shown one
// syllable per line in a squeezed table column, which `word-break:
// keep-all` is meant to prevent. Code, hashes and words with a hyphen, slash
// or middle dot (where a break is expected) are not counted.
func (b *tab) brokenWords(sel string) []string {
	b.t.Helper()
	q, _ := json.Marshal(sel)
	return eval[[]string](b, `((sel) => {
		const root = document.querySelector(sel);
		if (!root) return [];
		const skip = 'code, pre, .hash, .sr-only, script, style, select, option, textarea';
		const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, {
			acceptNode: n => n.parentElement && n.parentElement.closest(skip) ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT,
		});
		const range = document.createRange();
		const out = new Set();
		for (let n = walker.nextNode(); n; n = walker.nextNode()) {
			for (const m of n.data.matchAll(/\S+/g)) {
				if (/[-‐-—\/·]/.test(m[0])) continue;
				range.setStart(n, m.index);
				range.setEnd(n, m.index + m[0].length);
				const rects = [...range.getClientRects()].filter(r => r.width > 0).sort((a, b) => a.top - b.top);
				let lines = 0, bottom = -Infinity;
				for (const r of rects) {
					if (r.top >= bottom - 1) { lines++; bottom = r.bottom; } else { bottom = Math.max(bottom, r.bottom); }
				}
				if (lines > 1) out.add(m[0]);
			}
		}
		return [...out].slice(0, 25);
	})(`+string(q)+`)`)
}

// screenshot captures the whole page as PNG into dir/name.png, checks that it
// is a PNG as wide as the viewport, and copies it to $ROUNDTABLE_SCREENSHOTS
// when that is set.
func (b *tab) screenshot(dir, name string, wantWidth int) string {
	b.t.Helper()
	buf, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.fatal("screenshot "+name, err)
	}
	img, err := png.Decode(bytes.NewReader(buf))
	if err != nil {
		b.t.Fatalf("screenshot %s is not a PNG: %v", name, err)
	}
	if got := img.Bounds().Dx(); got != wantWidth {
		b.t.Errorf("screenshot %s is %d px wide; want %d", name, got, wantWidth)
	}
	file := filepath.Join(dir, name+".png")
	if err := os.WriteFile(file, buf, 0o644); err != nil {
		b.t.Fatal(err)
	}
	if extra := os.Getenv(shotsEnv); extra != "" {
		if err := os.MkdirAll(extra, 0o755); err != nil {
			b.t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(extra, name+".png"), buf, 0o644); err != nil {
			b.t.Fatal(err)
		}
	}
	return file
}

// messages returns what the console received so far.
func (b *tab) messages() []chromedp.ConsoleMessage {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]chromedp.ConsoleMessage(nil), b.console...)
}

// problems are the console messages a clean page never produces: uncaught
// exceptions, errors and warnings (CSP violations arrive as errors from the
// "security" source) and anything mentioning the Content Security Policy.
// Chromium's verbose hints (type "debug") are not problems.
func problems(ms []chromedp.ConsoleMessage) []string {
	var out []string
	for _, m := range ms {
		bad := m.IsException() || m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleWarning ||
			m.Source == "security" || strings.Contains(m.Text, "Content Security Policy")
		if bad {
			src := m.Source
			if src == "" {
				src = "page"
			}
			out = append(out, string(m.Type)+" ["+src+"] "+m.Text+" at "+m.URL)
		}
	}
	return out
}

// cleanConsole fails the test when the tab logged any problem so far. It
// lets the browser deliver events that are still in flight first.
func (b *tab) cleanConsole() {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, chromedp.Sleep(200*time.Millisecond)); err != nil {
		b.fatal("settle", err)
	}
	for _, p := range problems(b.messages()) {
		b.t.Errorf("console: %s", p)
	}
}

// waitConsole waits up to d until a console message satisfies ok.
func (b *tab) waitConsole(d time.Duration, ok func(chromedp.ConsoleMessage) bool) (chromedp.ConsoleMessage, bool) {
	ctx, cancel := context.WithTimeout(b.ctx, d)
	defer cancel()
	for {
		for _, m := range b.messages() {
			if ok(m) {
				return m, true
			}
		}
		select {
		case <-ctx.Done():
			return chromedp.ConsoleMessage{}, false
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// syncBuffer collects the browser's output from its own goroutine.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}
