package loanword

import (
	"slices"
	"testing"
)

func TestLetterReadings(t *testing.T) {
	known := func(l string) bool {
		return slices.Contains([]string{"pvc", "aks", "dns", "hpa", "fips", "tke", "ctl", "id", "db"}, l)
	}
	tests := []struct {
		word string
		want []string
	}{
		{"피브이씨", []string{"pvc"}},
		{"에이케이에스", []string{"aks"}},
		{"에이치피에이", []string{"hpa"}},
		{"에프아이피에스", []string{"fips"}},
		{"티케이이", []string{"tke"}},
		{"코어디엔에스", []string{"dns"}}, // a Korean head, then letter names
		{"크라이씨티엘", []string{"ctl"}}, // the longest tail with a known reading
		{"아이디", []string{"id"}},
		{"디비", nil},  // two syllables: too short to trust
		{"엔피디", nil}, // letter names, but no known reading
		{"파드", nil},  // no letter names at all
		{"쿠버네티스", nil},
	}
	for _, tt := range tests {
		if got := LetterReadings(tt.word, known); !slices.Equal(got, tt.want) {
			t.Errorf("LetterReadings(%q) = %v, want %v", tt.word, got, tt.want)
		}
	}
}

func TestLetterReadingsAmbiguousNames(t *testing.T) {
	// 지 names g and z: both readings are tried, in letter order.
	got := LetterReadings("지케이이", func(string) bool { return true })
	if want := []string{"gke", "zke"}; !slices.Equal(got, want) {
		t.Errorf("LetterReadings(지케이이) = %v, want %v", got, want)
	}
}

func TestKeyJoinsHangulAndLatinSpellings(t *testing.T) {
	tests := []struct{ hangul, latin string }{
		{"콘트랙", "conntrack"},
		{"쿠브버트", "kubevirt"}, // r before a consonant is silent
		{"코넥티비티", "konnectivity"},
		{"멀투스", "multus"},
		{"비지박스", "busybox"},
		{"텔레프리젠스", "telepresence"}, // c before e is s
		{"칼리코", "calico"},
		{"씰리움", "cilium"},
		{"플라넬", "flannel"}, // doubled letters and ㄹㄹ count once
		{"플루언트디", "fluentd"},
	}
	for _, tt := range tests {
		if h, l := Key(tt.hangul), Key(tt.latin); h != l || h == "" {
			t.Errorf("Key(%q) = %q, Key(%q) = %q; want equal", tt.hangul, h, tt.latin, l)
		}
	}
	for _, p := range [][2]string{{"프린터", "kubelet"}, {"파드", "calico"}, {"노드", "conntrack"}} {
		if Key(p[0]) == Key(p[1]) {
			t.Errorf("Key(%q) = Key(%q) = %q; want different", p[0], p[1], Key(p[0]))
		}
	}
}

func TestSpellingTellsApartWordsOfOneKey(t *testing.T) {
	// calico and clock share the key KLK; the spelling brings the vowels back.
	if Key("calico") != Key("clock") {
		t.Fatalf("Key(calico) = %q, Key(clock) = %q; the test expects one key", Key("calico"), Key("clock"))
	}
	if got, want := Spelling("칼리코"), Spelling("calico"); got != want {
		t.Errorf("Spelling(칼리코) = %q, want %q (Spelling(calico))", got, want)
	}
	if Spelling("칼리코") == Spelling("clock") {
		t.Errorf("Spelling(칼리코) = Spelling(clock) = %q", Spelling("clock"))
	}
}

func TestAppendHangulKeyMatchesKey(t *testing.T) {
	for _, w := range []string{"콘트랙", "쿠브버트", "코넥티비티", "날려버렸어요", "플라넬", "가"} {
		if got, want := string(AppendHangulKey(nil, w)), Key(w); got != want {
			t.Errorf("AppendHangulKey(%q) = %q, Key = %q", w, got, want)
		}
	}
}

func TestHasLetterTail(t *testing.T) {
	for w, want := range map[string]bool{"피브이씨": true, "코어디엔에스": true, "엔피디": true, "디비": false, "날려버렸어요": false, "": false, "쿠버네티스": false} {
		if got := HasLetterTail(w); got != want {
			t.Errorf("HasLetterTail(%q) = %v, want %v", w, got, want)
		}
	}
}

func TestHangulPathDoesNotAllocate(t *testing.T) {
	var buf [32]byte
	if n := testing.AllocsPerRun(100, func() {
		HasLetterTail("날려버렸어요")
		AppendHangulKey(buf[:0], "날려버렸어요")
	}); n != 0 {
		t.Errorf("%v allocations per word, want 0", n)
	}
}
