package server_test

import (
	"bytes"
	"context"
	"os"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"roundtable/models"
)

// printMedia switches the tab to the print stylesheet (or back with "").
func printMedia(media string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: media})
		return chromedp.Void{}, err
	}
}

// TestBrowserAuditor: after the council adopts version 2, an auditor signs
// in, reads the timeline in words, narrows it with the filter form, opens
// the history of the adopted version, then its decision record, which
// prints to PDF without the screen-only parts; and finds the access review.
// All without JavaScript of our own and under the production CSP.
func TestBrowserAuditor(t *testing.T) {
	if testing.Short() {
		t.Skip("real-browser journeys are not short")
	}
	browser := startBrowser(t)
	e := newEnv(t, models.SQLite)
	dir := t.TempDir()
	if keep := os.Getenv("ROUNDTABLE_SCREENSHOTS"); keep != "" {
		dir = keep
	}
	// The council finishes the demo's ballot on version 2 (ballot 2).
	for _, m := range []string{"merchant2@example.org", "consumer2@example.org", "consumer1@example.org"} {
		if r := e.login(m).json("PUT", "/api/v1/ballots/2/vote", map[string]string{"choice": "approve"}); r.status != 200 {
			t.Fatalf("%s votes: %d %s", m, r.status, r.body)
		}
	}
	if r := e.login("secretariat@example.org").json("POST", "/api/v1/ballots/2/close", nil); r.status != 200 {
		t.Fatalf("close: %d %s", r.status, r.body)
	}

	// A merchant mistypes their password: an entry for the access review.
	e.anon().json("POST", "/api/v1/login", map[string]string{"email": "merchant1@example.org", "password": "not-my-password"})

	a := newTab(t, browser, e.ts.URL)
	a.open("/login?next=%2Faudit")
	a.login("auditor@example.org", demoPassword)
	a.see("main h1", "결정 이력")
	a.see(".audit-verify .ok-line", "다시 계산했고")
	a.see(".audit-events", "투표 결과 «무료 서비스 피해 지원 기준안» 제2판이(가) 채택되었습니다.", "‘반대’에서 ‘찬성’(으)로 바꿨습니다")
	a.see("#keep-h", "공개 키와 체크포인트 보관")

	// Only what concerns versions, through the form as a person uses it.
	a.choose("#f-action", "version.*")
	a.click(".filters button[type=submit]")
	a.see(".audit-events", "제2판을(를) 공개했습니다.")
	if n := eval[int](a, `[...document.querySelectorAll('.audit-events tbody code.action-code')].filter(c => !c.textContent.startsWith('version.')).length`); n != 0 {
		t.Errorf("%d rows of other actions under the version filter", n)
	}
	a.screenshot(dir, "audit-timeline", 1280)

	a.click(`.audit-events a[href="/audit/objects/version/2"]`)
	a.see("main h1", "«무료 서비스 피해 지원 기준안» 제2판의 이력")
	a.see(".audit-events", "초안을 시작했습니다", "공개했습니다", "의견을 남겼습니다", "투표를 열었습니다", "결과: 채택")
	a.see(".ok-line", "체크포인트")

	a.click(`a[href="/versions/2/record"]`)
	a.see("main h1", "결정 기록: «무료 서비스 피해 지원 기준안» 제2판")
	a.see(".record-ballot", "결과")
	a.see(".decision-record", "기명 투표", "김민수", "그룹별 결과", "채택")
	a.see(".decision-record .note-text", "roundtable.test/audit")
	a.screenshot(dir, "decision-record", 1280)
	if err := chromedp.Do(a.ctx, printMedia("print")); err != nil {
		t.Fatal(err)
	}
	if hidden := eval[bool](a, `[...document.querySelectorAll('.no-print, header.site, nav.main-nav')].every(el => getComputedStyle(el).display === 'none')`); !hidden {
		t.Error("the print stylesheet shows screen-only parts")
	}
	pdf, err := chromedp.Run(a.ctx, chromedp.PrintToPDF(chromedp.PDFPaper(chromedp.PaperA4)))
	if err != nil || !bytes.HasPrefix(pdf, []byte("%PDF")) || len(pdf) < 10_000 {
		t.Fatalf("print to PDF: %d bytes, %v", len(pdf), err)
	}
	if err := os.WriteFile(dir+"/decision-record.pdf", pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(a.ctx, printMedia("")); err != nil {
		t.Fatal(err)
	}

	a.open("/audit")
	a.click(`a[href="/audit/access"]`)
	a.see("main h1", "개인정보 접근 기록 점검")
	a.see(".access-review", "김민수")
	a.cleanConsole()

	// On a phone the timeline scrolls inside its table, not the page.
	p := newTab(t, browser, e.ts.URL)
	p.viewport(390, 844)
	p.open("/login?next=%2Faudit")
	p.login("auditor@example.org", demoPassword)
	p.see("main h1", "결정 이력")
	p.noSidewaysScroll("the timeline on a phone")
	p.cleanConsole()
}
