package korean

import (
	"sort"
	"strings"
)

// suffixes are particles (조사), copula endings and common verb endings that
// follow a noun or a verb stem in chat questions. Stem removes the longest one
// that matches. The list is deliberately about nouns: for 하다/되다 verbs built
// on a noun (설정하다, 연결되다) the noun survives, which is what search needs;
// for native verbs (끊기다, 뜨다) the remaining stem is only approximate.
var suffixes = []string{
	// plural and case particles
	"들", "이", "가", "을", "를", "은", "는", "의", "에", "로", "으로", "와", "과", "도", "만", "랑", "이랑", "께",
	"에서", "에게", "한테", "까지", "부터", "보다", "처럼", "마다", "이나", "밖에", "조차", "마저", "뿐",
	"에서는", "에서도", "에서의", "에서만", "으로는", "으로도", "으로의", "로는", "로도", "로의", "에는", "에도", "에만", "에의",
	"와는", "과는", "와도", "과도", "에게는", "한테는", "까지는", "부터는", "이라는", "라는", "이라고", "라고", "이란", "란",
	"이라도", "라도", "이든", "든", "이든지", "든지", "이랑은", "하고는",
	// copula (이다) endings after a noun
	"이에요", "예요", "이예요", "이야", "야", "입니다", "인데요", "인데", "인가요", "인가", "인지", "인지요", "이고", "이면",
	"이라서", "라서", "이죠", "이지요", "일까요", "일때", "인거", "인건", "인게", "이던데", "였어요", "이었어요", "이었는데", "였는데",
	// 하다 / 되다 / 시키다 after a noun
	"하다", "해요", "했어요", "했는데", "했는데요", "했더니", "했습니다", "했지만", "했고", "했을때", "했을", "했다",
	"하는데", "하는데요", "하려면", "하려고", "하니까", "하니", "하면", "해도", "해서", "하고", "하기", "하는", "하게",
	"할때", "합니다", "하나요", "할까요", "해야", "해야", "해줘", "해줘요", "해주세요", "해주세요", "하세요",
	"할수", "하지", "하지만", "해봤는데", "해봐도", "했던", "하던", "하던데", "하네요", "해졌어요", "해지", "했나요",
	"되다", "되는데", "되었는데", "됐는데", "됐어요", "되었어요", "돼요", "되요", "되나요", "됩니다", "되어", "돼서", "된",
	"되는", "되고", "되면", "되지", "됨", "되었", "됐", "돼", "되어요", "되네요", "된다", "될", "되던", "되던데", "되었다",
	"시켜", "시키", "시키려면", "시켰는데", "시켰더니", "시켜요", "중이에요", "중인데", "중인데요", "중입니다",
	"줘", "줘요", "주세요", "줄래", "줄래요", "주나요", "줬어요", "줬는데", "줍니다", "주면", "주려면",
	"안돼요", "안되요", "안됨", "안되", "안돼", "못해요",
	// generic verb endings
	"어요", "아요", "여요", "았어요", "었어요", "였어요", "는데요", "는데", "은데", "지만", "거나", "으면", "면", "니까",
	"으니까", "어서", "아서", "고", "요", "죠", "나요", "까요", "습니다", "었는데", "았는데", "더니", "었더니", "았더니",
	"습니까", "합니까", "됩니까", "입니까", "있습니까", "없습니까", "됩니까", "할까", "을까", "일까", "할까요", "는가", "은가", "인가", "던가",
	"네요", "던데", "던데요", "을까요", "려면", "으려면", "려고", "었다", "았다", "겠어요", "겠다", "는지", "은지",
	// adnominal 하다 forms (설정한, 업데이트할), connective and auxiliary endings,
	// hearsay (없대요), and 대로/짜리 after a noun
	"한", "할", "했던", "하던", "던", "면서", "으면서", "하면서", "자마자", "되자마자", "하자마자",
	"려는데", "으려는데", "하려는데", "려는", "려다", "려다가", "와서", "봐서", "해봐도", "해봤어요",
	"버려요", "버렸어요", "버렸는데", "버렸", "버린", "버려", "버림", "대요", "래요", "된대요", "한대요",
	"수있어요", "수있나요", "수있나", "수있어", "수있는", "수없어요", "수없나요", "수없는", "수없",
	"대로", "짜리", "적인", "적으로", "엔", "에선", "에서부터", "으로부터", "로부터", "이라든가", "같은데", "같아요",
}

// protected are nouns whose last syllable looks like a particle (추가 ends in
// 가, 결과 in 과, 경로 in 로); Stem leaves them alone.
var protected = map[string]bool{
	"추가": true, "평가": true, "증가": true, "단가": true, "대가": true, "휴가": true, "국가": true, "전문가": true,
	"결과": true, "효과": true, "경과": true, "초과": true, "통과": true, "부과": true,
	"경로": true, "통로": true, "회로": true, "진로": true, "새로": true, "별로": true, "실제로": true, "주로": true, "따로": true,
	"정도": true, "속도": true, "빈도": true, "용도": true, "시도": true, "제도": true, "강도": true, "온도": true, "각도": true,
	"차이": true, "사이": true, "아이": true, "나이": true, "길이": true, "높이": true, "깊이": true, "넓이": true, "놀이": true,
	"정의": true, "회의": true, "동의": true, "주의": true, "의의": true, "문의": true, "논의": true, "합의": true,
	"하나": true, "어디": true, "아니": true, "무료": true, "자료": true, "완료": true, "종료": true, "요금": true, "필요": true,
	"서버": true, "모드": true, "코드": true, "노드": true, "파드": true, "포드": true, "카드": true, "로드": true, "그룹": true,
	"이미지": true, "리소스": true, "서비스": true, "프로세스": true, "디스크": true, "데이터": true, "버전": true, "설정": true,
	"호스트": true, "포스트": true, "테스트": true, "리스트": true, "인스턴스": true, "네임스페이스": true, "레지스트리": true,
	"도메인": true, "도커": true, "요청": true, "이벤트": true, "이름": true, "이전": true, "죽이": true, "이상": true, "이하": true, "이유": true,
	"게이트웨이": true, "라우터": true, "어노테이션": true, "애노테이션": true, "로그": true, "파이프라인": true,
	"디플로이": true, "레디": true, "레이블": true, "타이머": true, "만료": true, "로컬": true, "헤더": true,
	"보안": true, "화면": true, "측면": true, "표면": true, "전면": true, "정면": true, "분야": true, "제로": true, "프로": true,
	"제한": true, "권한": true, "기한": true, "무한": true, "최소한": true, "최대한": true, "역할": true, "분할": true,
	"유한": true, "특권": true, "목적": true, "모든": true, "만들": true, "만든": true, "힘들": true, "한도": true, "상한": true, "과도": true, "의도": true, "소요": true, "주요": true, "하한": true, "유의": true, "개수": true, "갯수": true, "함수": true, "변수": true, "점수": true,
	"횟수": true, "인수": true, "정수": true, "상수": true, "환경변수": true, "매개변수": true, "다수": true, "복수": true, "서로": true, "바로": true, "스스로": true, "그대로": true, "한대": true, "대로": true, "참고": true, "창고": true, "최고": true, "광고": true, "보고": true, "신고": true, "경고": true, "포함": true, "인가": true, "수요": true, "방안": true, "대안": true, "개요": true, "중요": true, "오류": true, "기간": true, "구간": true, "공간": true,
}

// sortedSuffixes is suffixes ordered longest first.
var sortedSuffixes = func() []string {
	seen := map[string]bool{}
	out := make([]string, 0, len(suffixes))
	for _, s := range suffixes {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}()

// IsSuffix reports whether the whole word is a particle or ending, as happens
// when it is glued to a Latin word ("pod가", "NotReady로", "Pending이에요").
func IsSuffix(word string) bool {
	return suffixSet[word]
}

var suffixSet = func() map[string]bool {
	m := make(map[string]bool, len(suffixes))
	for _, s := range suffixes {
		m[s] = true
	}
	return m
}()

// Stem removes particles and endings from a Hangul word: 파드가 → 파드,
// 파드들이 → 파드, 설정했는데 → 설정, 노드풀에서 → 노드풀. At most two suffixes
// are removed, a stem keeps at least one syllable, and words listed as
// protected (추가, 결과, 경로…) are returned unchanged. A word that is nothing
// but a suffix is returned unchanged too; use IsSuffix to detect that case.
func Stem(word string) string {
	if IsSuffix(word) {
		return word
	}
	for round := 0; round < 2; round++ {
		if protected[word] {
			return word
		}
		// A cut that leaves a protected noun wins over a longer one:
		// 목적으로 is 목적 + 으로, not 목 + 적으로.
		for _, s := range sortedSuffixes {
			if len(word) > len(s) && strings.HasSuffix(word, s) && protected[word[:len(word)-len(s)]] {
				return word[:len(word)-len(s)]
			}
		}
		cut := ""
		for _, s := range sortedSuffixes {
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
