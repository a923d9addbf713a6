package korean

import (
	"maps"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

func TestNormalize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"ＣｒａｓｈＬｏｏｐＢａｃｋＯｆｆ", "crashloopbackoff"},
		{"Pod가 Pending", "pod가 pending"},
		{"ｋｕｂｅｃｔｌ　ｇｅｔ", "kubectl get"},
		{"ㄱ", "ᄀ"},
	}
	for _, tt := range tests {
		if got := Normalize(tt.in); got != tt.want {
			t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestWords(t *testing.T) {
	type w struct {
		Text   string
		Parts  []string
		Joined bool
	}
	tests := []struct {
		in   string
		want []w
	}{
		{"파드가 계속 pending이에요", []w{{"파드가", nil, false}, {"계속", nil, false}, {"pending", nil, false}, {"이에요", nil, true}}},
		{"init:crashloopbackoff 예요", []w{{"init:crashloopbackoff", []string{"init", "crashloopbackoff"}, false}, {"예요", nil, false}}},
		{"external-ip를 못 받아요", []w{{"external-ip", []string{"external", "ip"}, false}, {"를", nil, true}, {"못", nil, false}, {"받아요", nil, false}}},
		{"kubectl logs --previous -p", []w{{"kubectl", nil, false}, {"logs", nil, false}, {"--previous", nil, false}, {"-p", nil, false}}},
		{"169.254.25.10/32 로", []w{{"169.254.25.10/32", []string{"169", "254", "25", "10", "32"}, false}, {"로", nil, false}}},
		{"<none>으로", []w{{"none", nil, false}, {"으로", nil, false}}},
		{"mc_rg, cbs-reuse-key.", []w{{"mc_rg", []string{"mc", "rg"}, false}, {"cbs-reuse-key", []string{"cbs", "reuse", "key"}, false}}},
		{"a-b- c", []w{{"a-b", []string{"a", "b"}, false}, {"c", nil, false}}},
		{"pod\xffgo 파드\xfe가 \ufffd노드", []w{{"pod", nil, false}, {"go", nil, false}, {"파드", nil, false}, {"가", nil, false}, {"노드", nil, false}}},
	}
	for _, tt := range tests {
		var got []w
		for _, x := range Words(Normalize(tt.in)) {
			got = append(got, w{x.Text, x.Parts, x.Joined})
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Words(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

func TestStem(t *testing.T) {
	tests := []struct{ in, want string }{
		{"파드가", "파드"},
		{"파드를", "파드"},
		{"파드는", "파드"},
		{"파드들이", "파드"},
		{"노드풀에서", "노드풀"},
		{"설정했는데", "설정"},
		{"설정했는데요", "설정"},
		{"연결돼요", "연결"},
		{"서비스로", "서비스"},
		{"클러스터에서는", "클러스터"},
		{"컨테이너의", "컨테이너"},
		{"추가", "추가"},
		{"결과가", "결과"},
		{"경로를", "경로"},
		{"권한이", "권한"},
		{"역할로", "역할"},
		{"팟이", "팟"},
		{"오류", "오류"},
		{"로그", "로그"},
		{"상태예요", "상태"},
		{"실패해요", "실패"},
		{"이에요", "이에요"},
		{"작동합니까", "작동"},
		{"무엇입니까", "무엇"},
		{"사용됩니까", "사용"},
		// adnominal 하다 forms and auxiliary endings; nouns ending in 한/할 stay
		{"설정한", "설정"},
		{"업데이트할", "업데이트"},
		{"제한", "제한"},
		{"권한", "권한"},
		{"역할", "역할"},
		{"실행되자마자", "실행"},
		{"끝나버려요", "끝나"},
		{"규칙대로", "규칙"},
		{"지우려는데", "지우"},
		{"만들수있어요", "만들"}, // 만들 is a verb, not 만 + 들
		{"개수", "개수"},
		{"한도가", "한도"},
		{"목적으로", "목적"}, // the protected noun wins over the longer ending 적으로
		{"효과적으로", "효과"},
		// chat endings: nominal 임, 거임, 을때; nouns ending in 임 stay
		{"뭐임", "뭐"},
		{"낫레디임", "낫레디"},
		{"넣는거임", "넣"},
		{"몰아넣을때", "몰아넣"},
		{"런타임", "런타임"},
		{"런타임이", "런타임"},
		{"책임", "책임"},
	}
	for _, tt := range tests {
		if got := Stem(tt.in); got != tt.want {
			t.Errorf("Stem(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestIsSuffix(t *testing.T) {
	for _, s := range []string{"가", "이에요", "로", "를"} {
		if !IsSuffix(s) {
			t.Errorf("IsSuffix(%q) = false", s)
		}
	}
	for _, s := range []string{"파드", "노드"} {
		if IsSuffix(s) {
			t.Errorf("IsSuffix(%q) = true", s)
		}
	}
}

func TestBigrams(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"로그수집", []string{"로그", "그수", "수집"}},
		{"파드", []string{"파드"}},
		{"팟", nil},
	}
	for _, tt := range tests {
		if got := Bigrams(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Bigrams(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"팬딩", "펜딩", 1},          // ㅐ vs ㅔ
		{"파드", "파드", 0},          //
		{"팟", "파드", 2},           // ᄑ ᅡ ᆺ vs ᄑ ᅡ ᄃ ᅳ: one substitution, one insertion
		{"kublet", "kubelet", 1}, // missing e
		{"kubelte", "kubelet", 1},
		{"디플로이먼트", "디플로이먼뜨", 1},
		{"", "abc", 3},
	}
	for _, tt := range tests {
		got := Distance(tt.a, tt.b)
		if got != tt.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if !Within(Decompose(tt.a), Decompose(tt.b), tt.want) {
			t.Errorf("Within(%q, %q, %d) = false", tt.a, tt.b, tt.want)
		}
		if tt.want > 0 && Within(Decompose(tt.a), Decompose(tt.b), tt.want-1) {
			t.Errorf("Within(%q, %q, %d) = true", tt.a, tt.b, tt.want-1)
		}
	}
}

// One Aligner, reused across words of different lengths, gives the same
// distances as Distance within the limit and limit+1 beyond it.
func TestAlignerWithin(t *testing.T) {
	words := []string{"", "a", "kubelet", "kublet", "kubeletes", "팬딩", "펜딩", "펜딩중", "노드풀", "노드 풀", "crashloopbackoff", "crashlopbakoff"}
	var al Aligner
	for _, a := range words {
		for _, b := range words {
			want := Distance(a, b)
			for limit := 0; limit <= 3; limit++ {
				d, ok := al.Within(Decompose(a), Decompose(b), limit)
				switch {
				case want <= limit && (!ok || d != want):
					t.Errorf("Within(%q, %q, %d) = %d, %v; want %d, true", a, b, limit, d, ok, want)
				case want > limit && (ok || d != limit+1):
					t.Errorf("Within(%q, %q, %d) = %d, %v; want %d, false", a, b, limit, d, ok, limit+1)
				}
			}
		}
	}
}

func TestDecompose(t *testing.T) {
	got := string(Decompose("팬a"))
	want := "\u1111\u1162\u11ab" + "a"
	if got != want {
		t.Errorf("Decompose = %q, want %q", got, want)
	}
	// The syllable arithmetic gives what the normaliser gives, for every
	// syllable and for mixed text; other text goes to the normaliser.
	check := func(s string) {
		t.Helper()
		if got, want := string(AppendDecomposed([]rune("x"), s)), "x"+string([]rune(norm.NFD.String(s))); got != want {
			t.Fatalf("AppendDecomposed(%q) = %q, want %q", s, got, want)
		}
	}
	for r := rune(0xAC00); r <= 0xD7A3; r++ {
		check(string(r))
	}
	for _, s := range []string{"", "kubelet", "팬딩 pod가 Pending", "Straße 파드", "ＣｒａｓｈＬｏｏｐ", "가\u11a8", "ᄀ", "bad\xff파"} {
		check(s)
	}
}

// Stem tries each suffix length instead of each suffix; it must cut exactly
// where trying the suffixes longest first cuts.
func TestStemMatchesSuffixScan(t *testing.T) {
	sorted := slices.Clone(suffixes)
	sort.SliceStable(sorted, func(i, j int) bool { return len(sorted[i]) > len(sorted[j]) })
	scan := func(word string) string {
		if IsSuffix(word) {
			return word
		}
		for range 2 {
			if protected[word] {
				return word
			}
			for _, s := range sorted {
				if len(word) > len(s) && strings.HasSuffix(word, s) && protected[word[:len(word)-len(s)]] {
					return word[:len(word)-len(s)]
				}
			}
			cut := ""
			for _, s := range sorted {
				if len(word) > len(s) && strings.HasSuffix(word, s) {
					cut = s
					break
				}
			}
			if cut == "" {
				return word
			}
			word = word[:len(word)-len(cut)]
		}
		return word
	}
	heads := []string{"파드", "노드", "목", "목적", "설정", "재시작", "로드밸런서", "가", "pod"}
	nouns := slices.Sorted(maps.Keys(protected))
	for i := 0; i < len(nouns); i += max(1, len(nouns)/50) {
		heads = append(heads, nouns[i])
	}
	n := 0
	for _, h := range heads {
		for _, s1 := range suffixes {
			for _, w := range []string{h + s1, h + s1 + s1, h + s1 + "이에요", h + "들" + s1} {
				n++
				if got, want := Stem(w), scan(w); got != want {
					t.Errorf("Stem(%q) = %q, suffix scan gives %q", w, got, want)
				}
			}
		}
	}
	if n < 1000 {
		t.Fatalf("only %d words tried", n)
	}
}

// The fast paths of Normalize and IsLatinOrDigit answer as the Unicode
// tables do.
func TestFastPathsMatchUnicode(t *testing.T) {
	for r := rune(0); r < 0x11000; r++ {
		if got, want := lower(r), unicode.ToLower(r); got != want {
			t.Fatalf("lower(%U) = %U, unicode.ToLower gives %U", r, got, want)
		}
		want := r < 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r)) || unicode.In(r, unicode.Latin)
		if got := IsLatinOrDigit(r); got != want {
			t.Fatalf("IsLatinOrDigit(%U) = %v, want %v", r, got, want)
		}
	}
	for _, s := range []string{"", "Pod", "파드가 Pending이에요", "ÉCOLE Straße ΣΑΣ Ǆ", "ＣｒａｓｈＬｏｏｐ　파드", "bad\xffUTF-8 파\xfe드", "İstanbul K",
		"가\u11a8", "파드\u11a8 x", "ㄱ", "\xea\xb0", "파\xea\xb0", "\xea\x80\x80", "\xed\x9e\xa4", "\xed\x9e\xa3끝", "\xea\xb0\x80\xed\x9e\xa3 ok"} {
		if got, want := Normalize(s), strings.ToLower(norm.NFKC.String(s)); got != want {
			t.Errorf("Normalize(%q) = %q, want %q", s, got, want)
		}
	}
}

// nfkcStable holds exactly for strings of ASCII and Hangul syllables, each
// of which is its own NFKC form: every rune below U+11000 alone and after
// a syllable, and the edges of the syllable block.
func TestNFKCStable(t *testing.T) {
	for r := rune(0); r < 0x11000; r++ {
		for _, s := range []string{string(r), "가" + string(r), string(r) + "a"} {
			want := true
			for _, c := range s {
				want = want && (c < 0x80 || IsHangul(c))
			}
			if got := nfkcStable(s); got != want {
				t.Fatalf("nfkcStable(%q) = %v, want %v", s, got, want)
			}
			if want && !norm.NFKC.IsNormalString(s) {
				t.Fatalf("nfkcStable(%q) but the string is not NFKC", s)
			}
		}
	}
}
