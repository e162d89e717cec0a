package policy

import "testing"

func TestCan(t *testing.T) {
	a, err := New()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		sub  Subject
		obj  Object
		act  string
		want bool
	}{
		{"anonymous reads health", Subject{}, Kind("health"), "read", true},
		{"anonymous has no home", Subject{}, Kind("home"), "read", false},
		{"member has a home", Subject{ID: 3, Role: "member"}, Kind("home"), "read", true},
		{"admin lists users", Subject{ID: 1, Role: "admin"}, Kind("users"), "list", true},
		{"member cannot list users", Subject{ID: 3, Role: "member"}, Kind("users"), "list", false},
		{"secretariat cannot create users", Subject{ID: 2, Role: "secretariat"}, Kind("users"), "create", false},
		{"auditor verifies", Subject{ID: 5, Role: "auditor"}, Kind("audit"), "verify", true},
		{"secretariat reads history", Subject{ID: 2, Role: "secretariat"}, Kind("audit"), "read", true},
		{"secretariat does not verify", Subject{ID: 2, Role: "secretariat"}, Kind("audit"), "verify", false},
		{"admin does not read history", Subject{ID: 1, Role: "admin"}, Kind("audit"), "read", false},
		{"unknown role denied", Subject{ID: 9, Role: "root"}, Kind("health"), "read", false},
		{"unknown action denied", Subject{ID: 1, Role: "admin"}, Kind("users"), "delete", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := a.Can(tt.sub, tt.obj, tt.act); got != tt.want {
				t.Fatalf("Can(%+v, %+v, %q) = %v, want %v", tt.sub, tt.obj, tt.act, got, tt.want)
			}
		})
	}
}

// TestConditionsSeeLoadedObject proves the two-step check the model relies
// on: without a loaded object the condition is not evaluated, with one it
// decides. Conditions in the CSV use single quotes (double quotes break
// the CSV parse).
func TestConditionsSeeLoadedObject(t *testing.T) {
	a, err := newFromCSV("g, member, signed_in\np, member, note, edit, r.obj.OwnerID == r.sub.ID && r.obj.Status != 'withdrawn'\n")
	if err != nil {
		t.Fatal(err)
	}
	me := Subject{ID: 7, Role: "member"}
	tests := []struct {
		name string
		obj  Object
		want bool
	}{
		{"route level", Kind("note"), true},
		{"own object", Object{Kind: "note", ID: 1, OwnerID: 7, Status: "open"}, true},
		{"someone else's", Object{Kind: "note", ID: 1, OwnerID: 8, Status: "open"}, false},
		{"own but withdrawn", Object{Kind: "note", ID: 1, OwnerID: 7, Status: "withdrawn"}, false},
	}
	for _, tt := range tests {
		if got := a.Can(me, tt.obj, "edit"); got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
}

// Remembered answers are the answers: every question over the real
// policy's roles, kinds and actions, with objects of several owners and
// states, gets the same answer from a fresh enforcer, from the memory and,
// with a tiny memory limit, after the memory has been cleared many times.
func TestRememberedDecisionsMatchTheEnforcer(t *testing.T) {
	a, err := New()
	if err != nil {
		t.Fatal(err)
	}
	small, err := New()
	if err != nil {
		t.Fatal(err)
	}
	small.memoLimit = 7
	// Each kind with the actions the policy names for it, plus one it
	// names for none.
	roles, kinds := map[string]bool{Anonymous: true}, map[string]map[string]bool{}
	for _, r := range a.Rules() {
		roles[r[0]] = true
		if kinds[r[1]] == nil {
			kinds[r[1]] = map[string]bool{"nothing": true}
		}
		kinds[r[1]][r[2]] = true
	}
	var subs []Subject
	for role := range roles {
		subs = append(subs, Subject{ID: 3, Role: role}, Subject{ID: 3, Role: role, Group: "merchant", Votes: true})
	}
	asked, allowed := 0, 0
	for kind, acts := range kinds {
		objs := []Object{Kind(kind)}
		for _, st := range []string{"draft", "published", "withdrawn"} {
			objs = append(objs, Object{Kind: kind, ID: 11, OwnerID: 3, Status: st}, Object{Kind: kind, ID: 12, OwnerID: 4, Status: st})
		}
		for _, sub := range subs {
			for _, obj := range objs {
				for act := range acts {
					want, err := a.enforcer.Enforce(sub, obj, act)
					if sub.Role == Anonymous {
						want, err = a.enforcer.Enforce(Subject{ID: sub.ID, Role: Anonymous, Group: sub.Group, Votes: sub.Votes}, obj, act)
					}
					if err != nil {
						t.Fatal(err)
					}
					for round := 0; round < 2; round++ {
						if got := a.Can(sub, obj, act); got != want {
							t.Fatalf("round %d: Can(%+v, %+v, %q) = %v, enforcer says %v", round, sub, obj, act, got, want)
						}
						if got := small.Can(sub, obj, act); got != want {
							t.Fatalf("small memory, round %d: Can(%+v, %+v, %q) = %v, enforcer says %v", round, sub, obj, act, got, want)
						}
					}
					asked++
					if want {
						allowed++
					}
				}
			}
		}
	}
	if allowed == 0 || allowed == asked {
		t.Fatalf("%d of %d questions allowed: the table cannot tell answers apart", allowed, asked)
	}
	if n := small.remembered.Load(); n > small.memoLimit {
		t.Fatalf("small memory holds %d answers, limit %d", n, small.memoLimit)
	}
}
