package server_test

import (
	"os"
	"testing"
)

// TestBrowserBallot: the demo's open ballot on version 2 (ballot 2), with
// votes already cast by part of the council, is finished in the browser:
// a merchant is reminded on their home page and votes, a consumer changes
// their mind, a startup member votes, the secretariat closes it, and the
// result page shows each group's outcome and the decision.
func TestBrowserBallot(t *testing.T) {
	if testing.Short() {
		t.Skip("real-browser journeys are not short")
	}
	browser := startBrowser(t)
	base := startApp(t)
	dir := t.TempDir()
	if keep := os.Getenv("ROUNDTABLE_SCREENSHOTS"); keep != "" {
		dir = keep
	}

	m := newTab(t, browser, base)
	m.viewport(390, 844)
	m.open("/login")
	m.login("merchant2@example.org", demoPassword)
	m.see(".pending", "투표해 주세요", "제2판을", "남음")
	m.click(".pending a")
	m.see("main h1", "제2판을 협의체의")
	m.see(".rule-line", "그룹별 과반")
	m.see(".note", "진행 중 집계를 공개하지 않습니다")
	m.press(`.vote-box input[value="approve"]`)
	m.fill(`.vote-box textarea`, "구간 신설과 4주 평균 비교가 반영되어 찬성합니다.")
	m.click(`.vote-box button[type="submit"]`)
	m.see(".flash", "투표했습니다.")
	m.see(".my-vote", "내 현재 투표: 찬성")
	m.noSidewaysScroll("the ballot page on a phone")
	m.screenshot(dir, "ballot-open-phone", 390)

	c := newTab(t, browser, base)
	c.open("/login?next=%2Fballots%2F2")
	c.login("consumer1@example.org", demoPassword)
	c.see(".my-vote", "내 현재 투표: 반대")
	c.press(`.vote-box input[value="approve"]`)
	c.fill(`.vote-box textarea`, "3조가 구체화되어 찬성으로 바꿉니다.")
	c.click(`.vote-box button[type="submit"]`)
	c.see(".my-vote", "내 현재 투표: 찬성")

	st := newTab(t, browser, base)
	st.open("/login?next=%2Fballots%2F2")
	st.login("startup2@example.org", demoPassword)
	st.press(`.vote-box input[value="approve"]`)
	st.click(`.vote-box button[type="submit"]`)
	st.see(".flash", "투표했습니다.")

	// An advisory member sees the ballot but has no vote.
	ex := newTab(t, browser, base)
	ex.open("/login?next=%2Fballots%2F2")
	ex.login("expert1@example.org", demoPassword)
	ex.see("main", "자문 그룹은 투표하지 않습니다")

	sec := newTab(t, browser, base)
	sec.viewport(1280, 900)
	sec.open("/login?next=%2Fballots%2F2")
	sec.login("secretariat@example.org", demoPassword)
	eval[bool](sec, `(window.confirm = () => true, true)`)
	sec.click(`form[action="/ballots/2/close"] button`)
	sec.see(".flash", "투표를 마감했습니다.")
	sec.see(".result-line", "제2판이 채택되었습니다.")
	sec.see(".tally-table tbody", "소상공인", "스타트업", "소비자", "찬성")
	sec.see("main", "구간 신설과 4주 평균 비교가 반영되어 찬성합니다.", "3조가 구체화되어 찬성으로 바꿉니다.")
	sec.screenshot(dir, "ballot-closed-desktop", 1280)

	// The rejected ballot on version 1 says which group did not approve.
	sec.open("/ballots/1")
	sec.see(".result-line", "제1판이 부결되었습니다.")
	sec.see(".tally-table", "찬성 아님")

	for _, tb := range []*tab{m, c, st, ex, sec} {
		tb.cleanConsole()
	}
}
