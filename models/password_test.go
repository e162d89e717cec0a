package models

import "testing"

func TestPasswordHashRoundTrip(t *testing.T) {
	p := PasswordParams{Time: 1, MemoryK: 64, Threads: 1}
	h, err := hashPassword(p, "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	h2, _ := hashPassword(p, "correct horse battery")
	if h == h2 {
		t.Fatal("two hashes of one password are equal: the salt is not random")
	}
	tests := []struct {
		name, encoded, password string
		want                    bool
	}{
		{"right password", h, "correct horse battery", true},
		{"wrong password", h, "correct horse batterY", false},
		{"empty password", h, "", false},
		{"not argon2id", "$2a$10$abcdefghijklmnopqrstuv", "x", false},
		{"truncated", h[:len(h)-10], "correct horse battery", false},
		{"garbage", "nonsense", "nonsense", false},
		{"dummy hash never matches", dummyHash, "", false},
	}
	for _, tt := range tests {
		if got := checkPassword(tt.encoded, tt.password); got != tt.want {
			t.Errorf("%s: checkPassword = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestValidatePassword(t *testing.T) {
	tests := []struct {
		pw   string
		want string
	}{
		{"short", "too_short"},
		{"123456789", "too_short"},
		{"1234567890", ""},
		{"비밀번호는열글자이상", ""},
		{string(make([]byte, 201)), "too_long"},
	}
	for _, tt := range tests {
		err := validatePassword(tt.pw)
		got := ""
		if err != nil {
			got = err.Fields["password"]
		}
		if got != tt.want {
			t.Errorf("validatePassword(%d chars) = %q, want %q", len(tt.pw), got, tt.want)
		}
	}
}
