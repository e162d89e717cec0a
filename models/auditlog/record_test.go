package auditlog

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestCanonicalGolden pins the exact bytes of the version 1 encoding. If this
// test fails, every stored hash would change: bump CanonicalVersion instead.
func TestCanonicalGolden(t *testing.T) {
	kst := time.FixedZone("KST", 9*3600)
	r := Record{
		Seq:        42,
		At:         time.Date(2022, 10, 15, 15, 33, 0, 123456789, kst),
		ActorID:    7,
		ActorRole:  "secretariat",
		Action:     "version.publish",
		ObjectType: "criteria_version",
		ObjectID:   3,
		Data:       json.RawMessage(" {\n  \"title\": \"카카오 장애 보상\",\n  \"ids\": [1, 2],\n  \"esc\": \"a\\u00e9/b\"\n} "),
		RequestID:  "req-1",
		IP:         "203.0.113.9",
	}
	want := `{"v":1,"seq":42,"at":"2022-10-15T06:33:00.123456Z","actor_id":7,"actor_role":"secretariat",` +
		`"action":"version.publish","object_type":"criteria_version","object_id":3,` +
		`"data":{"title":"카카오 장애 보상","ids":[1,2],"esc":"a\u00e9/b"},"request_id":"req-1","ip":"203.0.113.9"}`
	if got := string(r.Canonical()); got != want {
		t.Fatalf("Canonical =\n%s\nwant\n%s", got, want)
	}
	if got := string(r.AppendCanonical([]byte("prefix"))); got != "prefix"+want {
		t.Fatalf("AppendCanonical did not append: %s", got)
	}
	if err := r.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
}

func TestCanonicalStrings(t *testing.T) {
	cases := []struct{ in, want string }{
		{"", `""`},
		{"plain ascii /<>&", `"plain ascii /<>&"`},
		{`quote " backslash \`, `"quote \" backslash \\"`},
		{"nl\ncr\rtab\tnul\x00esc\x1b", `"nl\u000acr\u000dtab\u0009nul\u0000esc\u001b"`},
		{"del\x7f", "\"del\x7f\""},
		{"한국어 é \u2028\u2029", "\"한국어 é \u2028\u2029\""},
		{"bad \xff utf8 \xc3", "\"bad \uFFFD utf8 \uFFFD\""},
	}
	for _, tc := range cases {
		if got := string(appendString(nil, tc.in)); got != tc.want {
			t.Errorf("appendString(%q) = %s, want %s", tc.in, got, tc.want)
		}
		// Whatever we write must be JSON that decodes back (modulo U+FFFD).
		var back string
		if err := json.Unmarshal(appendString(nil, tc.in), &back); err != nil {
			t.Errorf("appendString(%q) is not JSON: %v", tc.in, err)
		}
	}
}

func TestCanonicalTime(t *testing.T) {
	cases := []struct {
		at   time.Time
		want string
	}{
		{time.Date(2022, 10, 15, 6, 33, 0, 0, time.UTC), "2022-10-15T06:33:00.000000Z"},
		{time.Date(2022, 10, 15, 6, 33, 0, 999999999, time.UTC), "2022-10-15T06:33:00.999999Z"}, // truncated, not rounded
		{time.Date(2022, 10, 15, 6, 33, 0, 1000, time.UTC), "2022-10-15T06:33:00.000001Z"},
		{time.Date(2022, 10, 16, 0, 10, 0, 0, time.FixedZone("KST", 9*3600)), "2022-10-15T15:10:00.000000Z"},
		{time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC), "0001-01-01T00:00:00.000000Z"},
		{time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC), "9999-12-31T23:59:59.000000Z"},
		{time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), "10000-01-01T00:00:00.000000Z"},
	}
	for _, tc := range cases {
		got := string(appendTime(nil, tc.at))
		if got != tc.want {
			t.Errorf("appendTime(%v) = %s, want %s", tc.at, got, tc.want)
		}
		if lib := canonicalTime(tc.at).Format(TimeLayout); lib != got {
			t.Errorf("appendTime(%v) = %s, time.Format says %s", tc.at, got, lib)
		}
		if tc.at.Year() > 9999 {
			continue
		}
		back, exact, err := parseTime([]byte(got))
		if err != nil || !exact || !back.Equal(canonicalTime(tc.at)) {
			t.Errorf("parseTime(%s) = %v, %v, %v", got, back, exact, err)
		}
	}
}

func TestParseTime(t *testing.T) {
	cases := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"2024-02-29T12:00:00.000001Z", time.Date(2024, 2, 29, 12, 0, 0, 1000, time.UTC), true},
		{"2023-02-29T12:00:00.000001Z", time.Time{}, false}, // not a leap year
		{"2022-10-15T15:33:00.5+09:00", time.Date(2022, 10, 15, 6, 33, 0, 5e8, time.UTC), true},
		{"2022-10-15T06:33:00Z", time.Date(2022, 10, 15, 6, 33, 0, 0, time.UTC), true},
		{"2022-13-15T06:33:00.000000Z", time.Time{}, false},
		{"2022-10-15 06:33:00.000000Z", time.Time{}, false},
		{"2022-10-15T24:00:00.000000Z", time.Time{}, false},
		{"yesterday", time.Time{}, false},
	}
	for _, tc := range cases {
		got, exact, err := parseTime([]byte(tc.in))
		if exact && string(appendTime(nil, got)) != tc.in {
			t.Errorf("parseTime(%q) claims exact but formats back as %s", tc.in, appendTime(nil, got))
		}
		if (err == nil) != tc.ok || (tc.ok && !got.Equal(tc.want)) {
			t.Errorf("parseTime(%q) = %v, %v; want %v ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

// TestParseTimeExactCalendar: the calendar arithmetic agrees with time.Date
// on every day of one whole 400-year cycle of leap rules, and on days spread
// over all the years a record may carry (0 to 9999); each result formats
// back to its input.
func TestParseTimeExactCalendar(t *testing.T) {
	check := func(day time.Time) {
		text := appendTime(nil, day)
		got, ok := parseTimeExact(text)
		if !ok || !got.Equal(day) || got.Location() != time.UTC || string(appendTime(nil, got)) != string(text) {
			t.Fatalf("parseTimeExact(%s) = %v, %v", text, got, ok)
		}
	}
	for day := time.Date(1999, 12, 31, 23, 59, 58, 999999000, time.UTC); day.Year() < 2401; day = day.AddDate(0, 0, 1) {
		check(day)
	}
	for day := time.Date(0, 1, 1, 0, 0, 0, 1000, time.UTC); day.Year() <= 9999; day = day.Add(37*24*time.Hour + 1234567*time.Microsecond) {
		check(day)
	}
}

// TestCanonicalDistinguishes: every hashed field changes the bytes, layout of
// data does not, and a content change inside data does.
func TestCanonicalDistinguishes(t *testing.T) {
	base := sampleRecord(5)
	same := []func(r *Record){
		func(r *Record) {
			r.Data = json.RawMessage(" { \"document_id\" : 1,\n\"version\":3,\"note\":\"장애 보상 기준 5\",\"state\":\"draft\"}\t")
		},
		func(r *Record) { r.At = r.At.Add(999 * time.Nanosecond) },
		func(r *Record) { r.At = r.At.In(time.FixedZone("X", -5*3600)) },
	}
	for i, f := range same {
		r := base
		f(&r)
		if string(r.Canonical()) != string(base.Canonical()) {
			t.Errorf("change %d should not matter:\n%s\n%s", i, r.Canonical(), base.Canonical())
		}
	}
	differ := map[string]func(r *Record){
		"seq":         func(r *Record) { r.Seq++ },
		"at":          func(r *Record) { r.At = r.At.Add(time.Microsecond) },
		"actor_id":    func(r *Record) { r.ActorID++ },
		"actor_role":  func(r *Record) { r.ActorRole += "x" },
		"action":      func(r *Record) { r.Action += "x" },
		"object_type": func(r *Record) { r.ObjectType += "x" },
		"object_id":   func(r *Record) { r.ObjectID++ },
		"data value":  func(r *Record) { r.Data = json.RawMessage(strings.Replace(string(r.Data), `"draft"`, `"final"`, 1)) },
		"data escape": func(r *Record) {
			r.Data = json.RawMessage(strings.Replace(string(r.Data), `"draft"`, `"dr\u0061ft"`, 1))
		},
		"data key order": func(r *Record) {
			r.Data = json.RawMessage(`{"version":3,"document_id":1,"note":"장애 보상 기준 5","state":"draft"}`)
		},
		"data number form": func(r *Record) {
			r.Data = json.RawMessage(strings.Replace(string(r.Data), `"version":3`, `"version":3.0`, 1))
		},
		"request_id": func(r *Record) { r.RequestID += "x" },
		"ip":         func(r *Record) { r.IP = "::1" },
		// A field's content must not be able to impersonate the next field.
		"role swallows action": func(r *Record) {
			r.ActorRole = base.ActorRole + `","action":"` + base.Action
			r.Action = ""
		},
	}
	for name, f := range differ {
		r := base
		f(&r)
		if string(r.Canonical()) == string(base.Canonical()) {
			t.Errorf("changing %s did not change the canonical bytes", name)
		}
	}
}

func TestCanonicalData(t *testing.T) {
	cases := []struct{ data, want string }{
		{"", "{}"},
		{" \n\t", "{}"},
		{`{}`, `{}`},
		{`{ "a" : [ 1 , true , null , "x y" ] }`, `{"a":[1,true,null,"x y"]}`},
		{`not json`, `"not json"`}, // only for invalid records
		{`{"a":1} {"b":2}`, `"{\"a\":1} {\"b\":2}"`},
	}
	for _, tc := range cases {
		if got := string(appendData(nil, json.RawMessage(tc.data))); got != tc.want {
			t.Errorf("appendData(%q) = %s, want %s", tc.data, got, tc.want)
		}
	}
}

func TestValidate(t *testing.T) {
	cases := []struct {
		name   string
		modify func(r *Record)
		errHas string // "" = valid
	}{
		{"sample", func(r *Record) {}, ""},
		{"system actor, no object, empty data", func(r *Record) { r.ActorID, r.ObjectID, r.Data = 0, 0, nil }, ""},
		{"seq 0", func(r *Record) { r.Seq = 0 }, "seq"},
		{"zero time", func(r *Record) { r.At = time.Time{} }, "at"},
		{"year 10000", func(r *Record) { r.At = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) }, "year"},
		{"negative actor", func(r *Record) { r.ActorID = -1 }, "actor_id"},
		{"negative object", func(r *Record) { r.ObjectID = -1 }, "object_id"},
		{"empty action", func(r *Record) { r.Action = "" }, "action"},
		{"bad utf8 ip", func(r *Record) { r.IP = "\xff" }, "ip"},
		{"bad utf8 data", func(r *Record) { r.Data = json.RawMessage("{\"a\":\"\xff\"}") }, "data"},
		{"data array", func(r *Record) { r.Data = json.RawMessage(`[1]`) }, "object"},
		{"data string", func(r *Record) { r.Data = json.RawMessage(`"x"`) }, "object"},
		{"data broken", func(r *Record) { r.Data = json.RawMessage(`{"a":}`) }, "data"},
		{"data trailing", func(r *Record) { r.Data = json.RawMessage(`{} x`) }, "data"},
	}
	for _, tc := range cases {
		r := sampleRecord(3)
		tc.modify(&r)
		err := r.Validate()
		switch {
		case tc.errHas == "" && err != nil:
			t.Errorf("%s: unexpected error %v", tc.name, err)
		case tc.errHas != "" && (err == nil || !strings.Contains(err.Error(), tc.errHas)):
			t.Errorf("%s: error %v, want one mentioning %q", tc.name, err, tc.errHas)
		}
	}
}
