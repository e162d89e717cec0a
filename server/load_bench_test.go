package server_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"roundtable/models"
	"roundtable/models/auditlog"
	"roundtable/models/reportfile"
	"roundtable/models/storetest"
	"roundtable/server"
)

// councilAtWork builds the scenario of issue 8 on SQLite: 500 members, a
// version with 200 clauses and 5,000 comments, a million damage reports
// with their published statistics, and an open ballot.
func councilAtWork(b *testing.B) (*env, string, string, []*client) {
	b.Helper()
	ctx := context.Background()
	st := storetest.Open(b, models.SQLite, storetest.Options{})
	if err := st.SeedDemo(ctx); err != nil {
		b.Fatal(err)
	}
	e := newEnvWith(b, st, server.Config{Demo: true})
	sys := models.SystemActor()
	var members []*models.User
	for i := 0; i < 500; i++ {
		u, err := st.CreateUser(ctx, sys, models.NewUser{Email: fmt.Sprintf("m%03d@example.org", i), Name: fmt.Sprintf("위원 %03d", i),
			Role: models.RoleMember, GroupKey: []string{"merchant", "startup", "consumer"}[i%3], Organisation: "부하 시험", Password: "load-test-password"})
		if err != nil {
			b.Fatal(err)
		}
		members = append(members, u)
	}
	secU, _ := st.UserByID(ctx, 2)
	sec := models.ActorFor(secU, "", "")
	doc, _ := st.CreateDocument(ctx, sec, "부하 시험 기준안", "")
	var clauses []models.ClauseInput
	for i := 0; i < 200; i++ {
		clauses = append(clauses, models.ClauseInput{Key: strconv.Itoa(i + 1), Title: fmt.Sprintf("조항 %d", i+1),
			Body: "카카오톡 채널 주문, 카카오T 호출 등 무료 서비스의 장애로 매출이 줄어든 소상공인에게 손실 금액에 따라 지원한다. 증빙은 직전 4주 같은 요일 평균과 비교한다."})
	}
	v, err := st.CreateDraft(ctx, sec, doc.ID, models.VersionInput{Summary: "부하 시험", Clauses: clauses}, nil)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := st.Publish(ctx, sec, v.ID); err != nil {
		b.Fatal(err)
	}
	for i := 0; i < 5000; i++ {
		u := members[i%len(members)]
		if _, err := st.AddComment(ctx, models.ActorFor(u, "", ""), v.ID, models.CommentInput{Body: fmt.Sprintf("의견 %d: 구간을 더 세분화해 주세요.", i), ClauseKey: strconv.Itoa(i%200 + 1)}); err != nil {
			b.Fatal(err)
		}
	}
	loadReports(b, st, sec)
	bal, err := st.OpenBallot(ctx, sec, v.ID, models.BallotInput{Question: "채택?", ClosesAt: time.Now().Add(time.Hour), QuorumPercent: 50})
	if err != nil {
		b.Fatal(err)
	}
	_ = bal
	// Sessions for the readers and voters.
	var clients []*client
	for i := 0; i < 100; i++ {
		res, err := st.Login(ctx, members[i].Email, "load-test-password", models.Actor{IP: fmt.Sprintf("10.0.%d.%d", i/250, i%250)})
		if err != nil {
			b.Fatal(err)
		}
		c := e.anon()
		u, _ := url.Parse(e.ts.URL)
		c.hc.Jar.SetCookies(u, []*http.Cookie{{Name: "rt_session", Value: res.Token}})
		c.csrf = res.Session.CSRFToken
		c.hc.Transport = &http.Transport{MaxIdleConnsPerHost: 200}
		clients = append(clients, c)
	}
	return e, strconv.FormatInt(v.ID, 10), strconv.FormatInt(bal.ID, 10), clients
}

// benchReports is how many damage reports the scenario loads (issue 8:
// a million); ROUNDTABLE_BENCH_REPORTS makes a quicker look.
func benchReports() int {
	if v, err := strconv.Atoi(os.Getenv("ROUNDTABLE_BENCH_REPORTS")); err == nil && v > 0 {
		return v
	}
	return 1_000_000
}

// loadReports imports synthetic damage reports through the real importer,
// which also computes the published statistics.
func loadReports(b *testing.B, st *models.Store, sec models.Actor) {
	b.Helper()
	dir := b.TempDir()
	file := filepath.Join(dir, "reports.csv")
	f, err := os.Create(file)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	if err := reportfile.Generate(w, benchReports(), 1); err != nil {
		b.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	svc, err := models.NewReports(st, models.ReportsOptions{Sealer: storetest.Sealer(b), TempDir: dir, Logger: storetest.Logger()})
	if err != nil {
		b.Fatal(err)
	}
	defer svc.Close()
	in, err := os.Open(file)
	if err != nil {
		b.Fatal(err)
	}
	defer in.Close()
	up, err := models.SpoolUpload(in, dir, "reports.csv", 0)
	if err != nil {
		b.Fatal(err)
	}
	bt, done, err := svc.StartImport(context.Background(), sec, up)
	if err != nil {
		b.Fatal(err)
	}
	<-done
	if bt, err = st.ImportBatch(context.Background(), bt.ID); err != nil || bt.Status != models.BatchCommitted {
		b.Fatalf("import: %v %+v", err, bt)
	}
}

// latencies runs n requests spread over workers and returns sorted durations.
func latencies(workers, n int, do func(worker, i int) error) ([]time.Duration, time.Duration, error) {
	per := n / workers
	return measure(workers, func(i int) bool { return i < per }, do)
}

// latenciesUntil is latencies with each worker repeating until done closes.
func latenciesUntil(workers int, done <-chan struct{}, do func(worker, i int) error) ([]time.Duration, time.Duration, error) {
	return measure(workers, func(int) bool {
		select {
		case <-done:
			return false
		default:
			return true
		}
	}, do)
}

// measure runs do on every worker for as long as more says, timing each
// call; it returns the sorted durations, the wall time and the first error.
func measure(workers int, more func(i int) bool, do func(worker, i int) error) ([]time.Duration, time.Duration, error) {
	var mu sync.Mutex
	var out []time.Duration
	var firstErr error
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; more(i); i++ {
				t0 := time.Now()
				err := do(w, i)
				d := time.Since(t0)
				mu.Lock()
				out = append(out, d)
				if err != nil && firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
			}
		}(w)
	}
	wg.Wait()
	wall := time.Since(start)
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out, wall, firstErr
}

func pct(ds []time.Duration, p float64) float64 {
	if len(ds) == 0 {
		return 0
	}
	return float64(ds[int(float64(len(ds)-1)*p)].Microseconds()) / 1000
}

// BenchmarkCouncilAtWork measures, in one run and on one machine, reading
// the big version page at 100 concurrent readers next to a bare gin handler
// serving the same bytes (the limit), a burst of comments and of votes, and
// verifying the history. Figures are reported as metrics; docs/performance.md
// keeps a run.
func BenchmarkCouncilAtWork(b *testing.B) {
	e, vid, bid, clients := councilAtWork(b)
	fetch := func(c *http.Client, url, enc string) ([]byte, error) {
		req, err := http.NewRequestWithContext(context.Background(), "GET", url, nil)
		if err != nil {
			return nil, err
		}
		// Set explicitly, so the transport neither asks for gzip on its
		// own nor decompresses: what is measured is what goes on the wire.
		req.Header.Set("Accept-Encoding", enc)
		res, err := c.Do(req)
		if err != nil {
			return nil, err
		}
		defer res.Body.Close()
		body, err := io.ReadAll(res.Body)
		if err != nil {
			return nil, err
		}
		if res.StatusCode != 200 {
			return nil, fmt.Errorf("status %d", res.StatusCode)
		}
		if (enc == "gzip") != (res.Header.Get("Content-Encoding") == "gzip") {
			return nil, fmt.Errorf("asked for %q, got Content-Encoding %q", enc, res.Header.Get("Content-Encoding"))
		}
		return body, nil
	}
	pageURL := e.ts.URL + "/versions/" + vid
	body, err := fetch(clients[0].hc, pageURL, "identity")
	if err != nil {
		b.Fatalf("version page: %v", err)
	}
	gzBody, err := fetch(clients[0].hc, pageURL, "gzip")
	if err != nil {
		b.Fatalf("version page: %v", err)
	}
	snap, err := e.st.LatestSnapshot(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	const statsKey = "service"
	statsURL := e.ts.URL + "/api/v1/stats/table?rows=" + statsKey
	statsBody, err := fetch(clients[0].hc, statsURL, "identity")
	if err != nil {
		b.Fatalf("stats table: %v", err)
	}
	gin.SetMode(gin.ReleaseMode)
	bare := gin.New()
	bare.GET("/stats", func(c *gin.Context) { c.Data(200, "application/json; charset=utf-8", statsBody) })
	bare.GET("/page", func(c *gin.Context) { c.Data(200, "text/html; charset=utf-8", body) })
	bare.GET("/page.gz", func(c *gin.Context) {
		c.Header("Content-Encoding", "gzip")
		c.Data(200, "text/html; charset=utf-8", gzBody)
	})
	bareSrv := httptest.NewServer(bare)
	defer bareSrv.Close()
	bareClient := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 200}}
	read := func(c *http.Client, url, enc string) func(int, int) error {
		return func(int, int) error { _, err := fetch(c, url, enc); return err }
	}
	reader := func(enc string) func(int, int) error {
		return func(w, _ int) error { _, err := fetch(clients[w].hc, pageURL, enc); return err }
	}
	reader2 := func(url string) func(int, int) error {
		return func(w, _ int) error { _, err := fetch(clients[w%len(clients)].hc, url, "identity"); return err }
	}
	const readers, reads = 100, 1000
	// againstBare reads the page with the readers, then the bare handler's
	// copy of its bytes, and reports both and their throughput ratio.
	againstBare := func(prefix, enc, barePath string) {
		app, appWall, err := latencies(readers, reads, reader(enc))
		if err != nil {
			b.Fatal(err)
		}
		lim, limWall, err := latencies(readers, reads, read(bareClient, bareSrv.URL+barePath, enc))
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(pct(app, 0.5), prefix+"page-p50-ms")
		b.ReportMetric(pct(app, 0.99), prefix+"page-p99-ms")
		b.ReportMetric(float64(reads)/appWall.Seconds(), prefix+"page-req/s")
		b.ReportMetric(pct(lim, 0.5), prefix+"bare-p50-ms")
		b.ReportMetric(pct(lim, 0.99), prefix+"bare-p99-ms")
		b.ReportMetric(float64(reads)/limWall.Seconds(), prefix+"bare-req/s")
		b.ReportMetric(limWall.Seconds()/appWall.Seconds(), prefix+"page/bare-throughput")
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		// A change anywhere makes the next read of each kind of viewer
		// (here the three member groups) rebuild its shared copy; that read
		// is measured alone, and the readers below then find the copies.
		if r := clients[0].json("POST", "/api/v1/versions/"+vid+"/comments", map[string]string{"body": "다시 그리기 전의 의견", "clause_key": "2"}); r.status != 201 {
			b.Fatalf("comment: %d", r.status)
		}
		t0 := time.Now()
		if _, err := fetch(clients[0].hc, pageURL, "identity"); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(time.Since(t0).Microseconds())/1000, "page-rebuild-ms")
		for _, c := range clients[1:3] {
			if _, err := fetch(c.hc, pageURL, "identity"); err != nil {
				b.Fatal(err)
			}
		}
		againstBare("", "identity", "/page")

		// Compressed, as browsers ask: each viewer's first read compresses
		// their page (measured alone, then once for every reader, as a
		// browser that has the page open), later reads send what was kept.
		t0 = time.Now()
		if _, err := fetch(clients[0].hc, pageURL, "gzip"); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(time.Since(t0).Microseconds())/1000, "gz-first-read-ms")
		for _, c := range clients[1:readers] {
			if _, err := fetch(c.hc, pageURL, "gzip"); err != nil {
				b.Fatal(err)
			}
		}
		againstBare("gz-", "gzip", "/page.gz")

		// A thousand concurrent readers (ten per session), compressed.
		many, manyWall, err := latencies(1000, 5000, func(w, _ int) error { _, err := fetch(clients[w%readers].hc, pageURL, "gzip"); return err })
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(pct(many, 0.5), "gz-page-1000-p50-ms")
		b.ReportMetric(pct(many, 0.99), "gz-page-1000-p99-ms")
		b.ReportMetric(5000/manyWall.Seconds(), "gz-page-1000-req/s")

		// A statistics table over the API at 100 concurrent readers, next
		// to a bare handler serving its bytes; and one at a time, next to
		// the raw SQL that reads the same stored row.
		tab, tabWall, err := latencies(readers, reads*2, reader2(statsURL))
		if err != nil {
			b.Fatal(err)
		}
		stLim, stLimWall, err := latencies(readers, reads*2, read(bareClient, bareSrv.URL+"/stats", "identity"))
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(pct(tab, 0.5), "stats-p50-ms")
		b.ReportMetric(pct(tab, 0.99), "stats-p99-ms")
		b.ReportMetric(float64(reads*2)/tabWall.Seconds(), "stats-req/s")
		b.ReportMetric(pct(stLim, 0.99), "stats-bare-p99-ms")
		b.ReportMetric(float64(reads*2)/stLimWall.Seconds(), "stats-bare-req/s")
		b.ReportMetric((float64(reads*2)/tabWall.Seconds())/(float64(reads*2)/stLimWall.Seconds()), "stats/bare-throughput")
		one, _, err := latencies(1, 500, reader2(statsURL))
		if err != nil {
			b.Fatal(err)
		}
		sql, _, err := latencies(1, 500, func(int, int) error {
			var payload []byte
			return e.st.DB().Raw("SELECT payload FROM stats_tables WHERE snapshot_id = ? AND table_key = ?", snap.ID, statsKey).Row().Scan(&payload)
		})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(pct(one, 0.5), "stats-alone-p50-ms")
		b.ReportMetric(pct(sql, 0.5), "stats-sql-p50-ms")

		// The same readers while the council keeps talking: a comment every
		// 200 ms (a busy plenary; the demo's 19 days saw far fewer), each of
		// which makes the next read of every kind rebuild its copy.
		// The readers read for as long as it takes to post ten comments,
		// the first at once.
		const talk = 10
		talking := make(chan struct{})
		posted := make(chan error, 1)
		go func() {
			defer close(talking)
			for n := 0; n < talk; n++ {
				if n > 0 {
					time.Sleep(200 * time.Millisecond)
				}
				if r := clients[99].json("POST", "/api/v1/versions/"+vid+"/comments", map[string]string{"body": fmt.Sprintf("읽는 중에 달린 의견 %d", n), "clause_key": "3"}); r.status != 201 {
					posted <- fmt.Errorf("comment while reading: %d", r.status)
					return
				}
			}
			posted <- nil
		}()
		mixed, mixedWall, err := latenciesUntil(readers, talking, reader("gzip"))
		if err != nil {
			b.Fatal(err)
		}
		if err := <-posted; err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(pct(mixed, 0.5), "talking-page-p50-ms")
		b.ReportMetric(pct(mixed, 0.99), "talking-page-p99-ms")
		b.ReportMetric(float64(len(mixed))/mixedWall.Seconds(), "talking-page-req/s")

		// 250 comments from 50 members on one address stays under the
		// per-address abuse limit (300 in ten minutes); more is refused, as
		// it should be.
		posts, postWall, err := latencies(50, 250, func(w, i int) error {
			r := clients[w].json("POST", "/api/v1/versions/"+vid+"/comments", map[string]string{"body": fmt.Sprintf("부하 의견 %d-%d", w, i), "clause_key": "1"})
			if r.status != 201 {
				return fmt.Errorf("comment: %d", r.status)
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(pct(posts, 0.5), "comment-p50-ms")
		b.ReportMetric(pct(posts, 0.99), "comment-p99-ms")
		b.ReportMetric(float64(len(posts))/postWall.Seconds(), "comment-req/s")

		votes, voteWall, err := latencies(100, 1000, func(w, i int) error {
			r := clients[w].json("PUT", "/api/v1/ballots/"+bid+"/vote", map[string]string{"choice": []string{"approve", "reject", "abstain"}[i%3]})
			if r.status != 200 {
				return fmt.Errorf("vote: %d %s", r.status, r.body)
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(pct(votes, 0.5), "vote-p50-ms")
		b.ReportMetric(pct(votes, 0.99), "vote-p99-ms")
		b.ReportMetric(float64(len(votes))/voteWall.Seconds(), "vote-req/s")

		t0 = time.Now()
		v, err := e.st.VerifyAudit(context.Background())
		if err != nil || !v.OK {
			b.Fatalf("verify: %+v %v", v, err)
		}
		b.ReportMetric(float64(time.Since(t0).Milliseconds()), "verify-ms")
		b.ReportMetric(float64(v.Count), "events")
		// The offline check of the whole export, next to SHA-256 of the
		// same bytes (issue 6's limit).
		var export bytes.Buffer
		if _, err := e.st.ExportAudit(context.Background(), &export); err != nil {
			b.Fatal(err)
		}
		t0 = time.Now()
		sum := sha256.Sum256(export.Bytes())
		tSHA := time.Since(t0)
		t0 = time.Now()
		rep, err := auditlog.Verify(bytes.NewReader(export.Bytes()), auditlog.VerifyOptions{})
		tVerify := time.Since(t0)
		if err != nil || !rep.OK || sum[0] == 0 && sum[1] == 0 && sum[2] == 0 {
			b.Fatalf("offline verify: %+v %v", rep, err)
		}
		b.ReportMetric(float64(tVerify)/float64(tSHA), "export-verify/sha256")
	}
	// No lost or duplicated writes under the bursts.
	var n int64
	e.st.DB().Table("votes").Where("ballot_id = ?", bid).Count(&n)
	if n != 100 {
		b.Fatalf("%d vote rows after the burst, want 100 (one per voter)", n)
	}
	if os.Getenv("ROUNDTABLE_BENCH_VERBOSE") != "" {
		b.Logf("page bytes %d, compressed %d", len(body), len(gzBody))
	}
}
