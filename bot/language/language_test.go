package language

import "testing"

func TestDetect(t *testing.T) {
	tests := []struct{ text, want string }{
		{"파드가 Pending이에요", Korean},
		{"OOMKilled 떠요", Korean},
		{"why is my pod pending", English},
		{"pod OOMKilled", English},
		{"CrashLoopBackOff", ""},
		{"???", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := Detect(tt.text); got != tt.want {
			t.Errorf("Detect(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}

func TestChoose(t *testing.T) {
	tests := []struct {
		name                             string
		explicit, locale, text, fallback string
		want                             string
	}{
		{"explicit beats everything", English, "ko-KR", "파드가 Pending", Korean, English},
		{"explicit Korean beats an English question", Korean, "en-US", "why is my pod pending", English, Korean},
		{"Hangul beats Slack's default en-US locale", "", "en-US", "파드가 Pending", English, Korean},
		{"a little Hangul is enough", "", "en-US", "CrashLoopBackOff 떠요", English, Korean},
		{"korean locale beats English text", "", "ko-KR", "why is my pod pending", English, Korean},
		{"english locale beats English text", "", "en-US", "why is my pod pending", Korean, English},
		{"locale decides for a bare error string", "", "en-US", "CrashLoopBackOff", Korean, English},
		{"unknown locale falls to the text", "", "ja-JP", "why is my pod pending", Korean, English},
		{"text beats the default", "", "", "파드가 Pending", English, Korean},
		{"nothing decides: default", "", "", "CrashLoopBackOff", English, English},
		{"nothing at all: Korean", "", "", "", "", Korean},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Choose(tt.explicit, tt.locale, tt.text, tt.fallback); got != tt.want {
				t.Errorf("Choose = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParse(t *testing.T) {
	for in, want := range map[string]string{"ko": Korean, "KR": Korean, "한국어": Korean, "en": English, "English": English, "영어": English} {
		if got, ok := Parse(in); !ok || got != want {
			t.Errorf("Parse(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "ja", "fr-FR"} {
		if got, ok := Parse(in); ok {
			t.Errorf("Parse(%q) = %q, want not ok", in, got)
		}
	}
	if FromLocale("ko-KR") != Korean || FromLocale("en-GB") != English || FromLocale("ja-JP") != "" || FromLocale("") != "" {
		t.Error("FromLocale")
	}
	if Pick(English, "가", "a") != "a" || Pick(Korean, "가", "a") != "가" || Pick("", "가", "a") != "가" {
		t.Error("Pick")
	}
}
