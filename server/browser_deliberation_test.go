package server_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
)

// press clicks something that changes the page in place (opening a
// <details>, choosing a radio button) rather than loading a new one.
func (b *tab) press(sel string) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, chromedp.WaitVisible(chromedp.CSS(sel)), chromedp.Click(chromedp.CSS(sel))); err != nil {
		b.fatal("press "+sel, err)
	}
}

// TestBrowserDeliberation walks the council's core loop in a real browser,
// without any API shortcut: the secretariat edits and publishes the demo's
// draft, a merchant comments on a clause, a consumer replies, the
// secretariat answers, and the register and the merchant's home show it.
func TestBrowserDeliberation(t *testing.T) {
	if testing.Short() {
		t.Skip("real-browser journeys are not short")
	}
	browser := startBrowser(t)
	base := startApp(t)
	dir := t.TempDir()
	if keep := os.Getenv("ROUNDTABLE_SCREENSHOTS"); keep != "" {
		dir = keep
	}

	// The demo document: version 1 superseded, version 2 published,
	// version 3 a draft (ids 1, 2, 3).
	sec := newTab(t, browser, base)
	sec.viewport(1280, 900)
	sec.open("/login?next=%2Fversions%2F3%2Fedit")
	sec.login("secretariat@example.org", demoPassword)
	sec.see("main h1", "제3판 초안 고치기")
	sec.fill("#summary", "제2판 의견 반영: 이의 신청 처리 기한과 50만 원 초과 손실의 협의 기한을 명시")
	// Clause 2.1 is the third row of the demo text.
	sec.fill("#body-2", "카카오톡 채널 주문, 카카오T 호출 등 무료 서비스의 장애로 매출이 줄어든 소상공인에게 다음과 같이 지원한다.\n1. 매출 손실이 30만 원 이하인 경우: 3만 원\n2. 매출 손실이 30만 원 초과 50만 원 이하인 경우: 5만 원\n50만 원을 넘는 손실은 증빙을 검토해 신청일부터 60일 안에 개별로 협의한다.")
	sec.click(`button[name="then"][value="view"]`)
	sec.see(".flash", "초안을 저장했습니다.")
	sec.see(`[id="clause-2.1"] .mark`, "제2판 이후 변경")
	// Publishing asks for confirmation; accept it as a person would.
	eval[bool](sec, `(window.confirm = () => true, true)`)
	sec.click(`.draft-actions form[action="/versions/3/publish"] button`)
	sec.see(".flash", "공개했습니다")
	sec.see(".doc-meta .status", "공개")

	// A merchant comments on clause 2.1 of the new version.
	m := newTab(t, browser, base)
	m.viewport(1280, 900)
	m.open("/login?next=%2Fversions%2F3")
	m.login("merchant1@example.org", demoPassword)
	m.see("main h1", "무료 서비스 피해 지원 기준안", "제3판")
	m.press(`[id="clause-2.1"] details.comment-form summary`)
	m.fill(`[id="clause-2.1"] details.comment-form textarea`, "60일 협의 기한을 넣어 주셔서 다행입니다.\n다만 협의 결과를 서면으로 통지하도록 해 주세요.")
	m.click(`[id="clause-2.1"] details.comment-form button[type="submit"]`)
	m.see(".flash", "의견을 올렸습니다.")
	m.see(`[id="clause-2.1"] .discussion`, "김민수", "소상공인연합회", "서면으로 통지", "사무국 답변을 기다리는 중입니다.")
	// Markup typed into a comment stays text.
	if n := eval[int](m, `document.querySelectorAll('[id="clause-2.1"] .comment-body b').length`); n != 0 {
		t.Errorf("comment body rendered %d <b> elements", n)
	}

	// A consumer replies in the thread.
	c := newTab(t, browser, base)
	c.viewport(390, 844)
	c.open("/login?next=%2Fversions%2F3")
	c.login("consumer1@example.org", demoPassword)
	c.press(`[id="clause-2.1"] .comment-actions details summary`)
	c.fill(`[id="clause-2.1"] .comment-actions details textarea`, "소비자 쪽에서도 서면 통지에 찬성합니다.")
	c.click(`[id="clause-2.1"] .comment-actions details button[type="submit"]`)
	c.see(".flash", "의견을 올렸습니다.")
	c.see(`[id="clause-2.1"] .replies`, "강은지", "서면 통지에 찬성")
	c.noSidewaysScroll("the version page on a phone")
	c.screenshot(dir, "version-phone", 390)

	// The secretariat answers the merchant's comment.
	sec.open("/versions/3")
	sec.press(`[id="clause-2.1"] .thread .comment .comment-actions details summary`)
	sec.press(`[id="clause-2.1"] .answer-form input[value="accepted"]`)
	sec.fill(`[id="clause-2.1"] .answer-form textarea`, "다음 판에서 협의 결과를 서면으로 알리도록 고치겠습니다.")
	sec.click(`[id="clause-2.1"] .answer-form button[type="submit"]`)
	sec.see(".flash", "답변을 등록했습니다.")
	sec.see(`[id="clause-2.1"] .disposition`, "수용", "서면으로 알리도록")

	// The register shows it, counted under the merchants.
	sec.open("/versions/3/register")
	sec.see("main h1", "제3판 의견 답변표")
	sec.see(".register", "서면으로 통지", "수용")
	sec.see(".counts tbody", "소상공인")
	sec.screenshot(dir, "register-desktop", 1280)

	// The merchant's home says what happened since the last visit.
	m.open("/")
	m.see(".feed", "내 의견에 사무국 답변 (수용)", "강은지님이 내 의견에 답글을 달았습니다")
	m.click(`.feed form button`)
	m.see(".feed", "지난 방문 이후 새 소식이 없습니다.")

	// The diff between versions 2 and 3 reads in whole words.
	m.open("/versions/3/diff?base=2")
	m.see("main h1", "제2판 → 제3판 비교")
	m.see(`[id="d-2.1"] ins`, "신청일부터 60일 안에")
	m.screenshot(dir, "diff-desktop", 1280)
	m.open("/versions/3/diff?base=2&view=side")
	m.see(`[id="d-2.1"] .side .after ins`, "60일")
	m.viewport(390, 844)
	m.open("/versions/2")
	m.noSidewaysScroll("version 2 on a phone")
	m.screenshot(dir, "version2-phone", 390)
	m.viewport(1280, 900)
	m.open("/versions/2")
	m.screenshot(dir, "version2-desktop", 1280)

	// Every step is in the decision history.
	a := newTab(t, browser, base)
	a.open("/login?next=%2Faudit")
	a.login("auditor@example.org", demoPassword)
	a.see("main", "✓", "의견에 ‘수용’(으)로 답했습니다", "조항에 의견을 남겼습니다", "제3판을(를) 공개했습니다", "초안을 고쳤습니다")

	for _, tb := range []*tab{sec, m, c, a} {
		tb.cleanConsole()
	}
	t.Logf("screenshots in %s", filepath.Clean(dir))
}
