package server_test

// Journeys through the real app in a real Chromium: what a council member,
// an auditor and an administrator see and do, in Korean and English, under
// the production Content-Security-Policy. Run alone with
//
//	go test -race -run Browser -count=1 ./server/
//
// Set ROUNDTABLE_SCREENSHOTS=/some/dir to keep a copy of the screenshots.

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("real-browser journeys are not short")
	}
	browser := startBrowser(t)

	// Journey 1 and 5: sign in as a member, switch to English and back; no
	// console error, exception or CSP violation on the way.
	t.Run("MemberHomeAndLanguage", func(t *testing.T) {
		b := newTab(t, browser, startApp(t))

		if st := b.open("/"); st != 200 {
			t.Fatalf("GET / anonymously ended on status %d; want the login page (200)", st)
		}
		b.wantPath("/login?next=%2F")
		b.see("main h1", "로그인")
		if got := b.lang(); got != "ko" {
			t.Errorf("<html lang=%q>; want ko by default", got)
		}

		if st := b.login("merchant1@example.org", demoPassword); st != 200 {
			t.Fatalf("signing in ended on status %d", st)
		}
		b.wantPath("/")
		b.see("main h1", "김민수님")
		b.see(".hello .who-line .badge", "협의체 위원")
		b.see(".hello .who-line", "소상공인")
		b.see("header .who", "김민수", "협의체 위원 · 소상공인", "로그아웃")

		// Switch to English; the link comes back to the same page.
		b.click(`nav.lang a[hreflang="en"]`)
		b.wantPath("/")
		if got := b.lang(); got != "en" {
			t.Errorf("after choosing English <html lang=%q>; want en", got)
		}
		b.see("main h1", "Hello, 김민수.")
		b.see(".hello .who-line .badge", "Council member")
		b.see(".hello .who-line", "Small merchants")
		b.see("nav.lang", "한국어")

		// The choice is remembered on the next page load.
		b.open("/")
		if got := b.lang(); got != "en" {
			t.Errorf("on reload <html lang=%q>; want the remembered en", got)
		}
		b.see("main h1", "Hello, 김민수.")
		b.see(".hello .who-line .badge", "Council member")

		// And back to Korean.
		b.click(`nav.lang a[hreflang="ko"]`)
		b.wantPath("/")
		if got := b.lang(); got != "ko" {
			t.Errorf("after choosing 한국어 <html lang=%q>; want ko", got)
		}
		b.see("main h1", "김민수님, 안녕하세요.")
		b.see(".hello .who-line .badge", "협의체 위원")

		b.cleanConsole()
	})

	// Journey 2: a wrong password keeps the e-mail and says why, in Korean.
	t.Run("WrongPassword", func(t *testing.T) {
		b := newTab(t, browser, startApp(t))
		b.open("/login")
		b.see("main h1", "로그인")
		if st := b.login("merchant1@example.org", "not-the-password"); st != 401 {
			t.Errorf("a wrong password answered %d; want 401", st)
		}
		b.wantPath("/login")
		b.see(".error-box[role=alert]", "이메일 또는 비밀번호가 맞지 않습니다.")
		if got := b.value("#email"); got != "merchant1@example.org" {
			t.Errorf("the e-mail field holds %q after the failed attempt; want the typed address kept", got)
		}
		if got := b.value("#password"); got != "" {
			t.Errorf("the password field holds %q after the failed attempt; want it empty", got)
		}
		// The form still works: the right password now signs in.
		b.fill("#password", demoPassword)
		b.click(`form[action="/login"] button[type="submit"]`)
		b.wantPath("/")
		b.see("main h1", "김민수님")
		// A 401 document is itself logged by Chromium as a failed resource
		// load; anything beyond that is a problem.
		var rest []string
		for _, p := range problems(b.messages()) {
			if !strings.Contains(p, "status of 401") {
				rest = append(rest, p)
			}
		}
		for _, p := range rest {
			t.Errorf("console: %s", p)
		}
	})

	// Journey 3: a deep link survives the sign-in.
	t.Run("AuditorDeepLink", func(t *testing.T) {
		b := newTab(t, browser, startApp(t))
		b.open("/audit")
		b.wantPath("/login?next=%2Faudit")
		if got := b.value(`input[name="next"]`); got != "/audit" {
			t.Errorf("the login form carries next=%q; want /audit", got)
		}
		if st := b.login("auditor@example.org", demoPassword); st != 200 {
			t.Fatalf("signing in ended on status %d", st)
		}
		b.wantPath("/audit")
		b.see("main h1", "결정 이력")
		line := b.text(".ok-line")
		if !strings.HasPrefix(line, "✓") {
			t.Errorf("integrity line %q; want it to start with ✓", line)
		}
		b.see("header .main-nav", "결정 이력")
		b.see("table.data tbody", "로그인") // the auditor's own sign-in is in the history
		b.cleanConsole()
	})

	// Journey 4: an administrator adds a member, who can then sign in.
	t.Run("AdminAddsMember", func(t *testing.T) {
		b := newTab(t, browser, startApp(t))
		b.open("/login")
		b.login("admin@example.org", demoPassword)
		b.see("main h1", "한지원님")

		b.click(`header .main-nav a[href="/users"]`)
		b.wantPath("/users")
		b.see("main h1", "계정 관리")
		b.see("table.data", "김민수", "merchant1@example.org")

		const (
			email = "founder@startup.example"
			name  = "오하늘"
			org   = "코리아스타트업포럼"
			pw    = "Sky-2022-ok!" // 12 characters
		)
		if len([]rune(pw)) != 12 {
			t.Fatalf("the test password has %d characters", len([]rune(pw)))
		}
		b.fill("#u-email", email)
		b.fill("#u-name", name)
		b.choose("#u-role", "member")
		b.choose("#u-group", "startup")
		b.fill("#u-org", org)
		b.fill("#u-pw", pw)
		if st := b.click(`form[action="/users"] button[type="submit"]`); st != 200 {
			t.Fatalf("creating the account ended on status %d", st)
		}
		if p := b.path(); !strings.HasPrefix(p, "/users/") || p == "/users/" {
			t.Fatalf("after creating the account the browser is at %s; want the new account's page", p)
		}
		b.see(".flash[role=status]", "계정을 만들었습니다.")
		b.see("main h1", name, email)
		if got := b.value("#e-group"); got != "startup" {
			t.Errorf("the new account's group is %q; want startup", got)
		}
		if got := b.value("#e-role"); got != "member" {
			t.Errorf("the new account's role is %q; want member", got)
		}
		if got := b.value("#e-org"); got != org {
			t.Errorf("the new account's organisation is %q; want %q", got, org)
		}

		// Sign out, then in as the new person.
		b.click(`header form[action="/logout"] button[type="submit"]`)
		b.wantPath("/login")
		b.see("main h1", "로그인")
		if st := b.login(email, pw); st != 200 {
			t.Fatalf("the new member's sign-in ended on status %d", st)
		}
		b.wantPath("/")
		b.see("main h1", name+"님")
		b.see(".hello .who-line .badge", "협의체 위원")
		b.see(".hello .who-line", "스타트업", org)
		b.see("header .who", "협의체 위원 · 스타트업")
		b.cleanConsole()
	})

	// The CSP check above can fail: a page that breaks the policy is caught.
	t.Run("CSPViolationIsCaught", func(t *testing.T) {
		b := newTab(t, browser, startApp(t))
		b.open("/login")
		b.see("main h1", "로그인")
		if ps := problems(b.messages()); len(ps) > 0 {
			t.Fatalf("the login page already logged problems: %v", ps)
		}
		// DevTools-injected script is exempt from the page's CSP, but the
		// inline style and the foreign image it adds are not.
		eval[chromedp.Void](b, `(() => {
			const s = document.createElement('style');
			s.textContent = 'body { outline: 1px solid red }';
			document.head.appendChild(s);
			const img = document.createElement('img');
			img.src = 'http://127.0.0.2:9/never.png';
			document.body.appendChild(img);
		})()`)
		m, ok := b.waitConsole(5*time.Second, func(m chromedp.ConsoleMessage) bool {
			return strings.Contains(m.Text, "Content Security Policy")
		})
		if !ok {
			t.Fatalf("no CSP violation reached the console collector; got %v", b.messages())
		}
		if len(problems([]chromedp.ConsoleMessage{m})) != 1 {
			t.Errorf("the violation %q is not counted as a problem", m.Text)
		}
	})

	// Screenshots of the member home (phone, desktop) and the login page,
	// with checks that nothing scrolls sideways on a phone and that no word
	// is split mid-way. The accounts and history pages are shot too, for a
	// person to look at; see knownSplitWords.
	t.Run("Screenshots", func(t *testing.T) {
		dir := t.TempDir()
		base := startApp(t)
		b := newTab(t, browser, base)
		intactIn := func(b *tab, what, sel string) {
			t.Helper()
			if w := b.brokenWords(sel); len(w) > 0 {
				t.Errorf("%s splits words across lines: %q", what, w)
			}
		}
		intact := func(b *tab, what string) { t.Helper(); intactIn(b, what, "body") }

		b.viewport(390, 844)
		b.open("/login")
		b.see("main h1", "로그인")
		b.noSidewaysScroll("the login page on a phone")
		intact(b, "the login page on a phone")
		b.screenshot(dir, "login-phone", 390)

		b.viewport(1280, 900)
		b.open("/login")
		b.see("main h1", "로그인")
		intact(b, "the login page on a desktop")
		b.screenshot(dir, "login-desktop", 1280)

		b.login("merchant1@example.org", demoPassword)
		b.see("main h1", "김민수님")
		intact(b, "the member home on a desktop")
		b.screenshot(dir, "home-member-desktop", 1280)

		b.viewport(390, 844)
		b.open("/")
		b.see("main h1", "김민수님")
		b.noSidewaysScroll("the member home on a phone")
		intact(b, "the member home on a phone")
		b.screenshot(dir, "home-member-phone", 390)

		b.open("/lang/en?next=%2F")
		b.see("main h1", "Hello, 김민수.")
		b.noSidewaysScroll("the English member home on a phone")
		intact(b, "the English member home on a phone")
		b.screenshot(dir, "home-member-phone-en", 390)
		b.open("/lang/ko?next=%2F")

		// The pages with tables and forms.
		admin := newTab(t, browser, base)
		admin.viewport(1280, 900)
		admin.open("/login?next=%2Fusers")
		admin.login("admin@example.org", demoPassword)
		admin.see("main h1", "계정 관리")
		intact(admin, "the accounts page on a desktop")
		admin.screenshot(dir, "users-desktop", 1280)
		admin.viewport(390, 844)
		admin.open("/users")
		admin.see("main h1", "계정 관리")
		admin.noSidewaysScroll("the accounts page on a phone")
		knownSplitWords(t, admin, "the accounts table on a phone", "table.data")
		intactIn(admin, "the account form on a phone", "main form")
		admin.screenshot(dir, "users-phone", 390)

		auditor := newTab(t, browser, base)
		auditor.viewport(1280, 900)
		auditor.open("/login?next=%2Faudit")
		auditor.login("auditor@example.org", demoPassword)
		auditor.see("main h1", "결정 이력")
		intact(auditor, "the decision history on a desktop")
		auditor.screenshot(dir, "audit-desktop", 1280)
		auditor.viewport(390, 844)
		auditor.open("/audit")
		auditor.see("main h1", "결정 이력")
		auditor.noSidewaysScroll("the decision history on a phone")
		knownSplitWords(t, auditor, "the history table on a phone", "table.data")
		intactIn(auditor, "the integrity card on a phone", "main .card")
		auditor.screenshot(dir, "audit-phone", 390)

		b.cleanConsole()
		admin.cleanConsole()
		auditor.cleanConsole()
		t.Logf("screenshots in %s", dir)
	})
}

// knownSplitWords fails when a data table splits words on a phone: a
// table must scroll sideways inside itself rather than show names one
// syllable per line (it once did, under `overflow-wrap: anywhere`).
func knownSplitWords(t *testing.T, b *tab, what, sel string) {
	t.Helper()
	if w := b.brokenWords(sel); len(w) > 0 {
		t.Errorf("%s splits %d words, e.g. %q", what, len(w), w[:min(len(w), 6)])
	}
}
