package analysis

import "strings"

// stopwords are question words, fillers and function words, as stems (the
// analyzer checks both the stem and the surface form). They carry no topic, so
// they neither match documents nor count against coverage.
var stopwords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`
어떻게 어떡해 어떻 어떡하 어떤 어느 어디 어디서 언제 얼마 얼마나 왜 왜죠 왜요 뭐 뭔 뭔가 뭐가 뭐예요 뭔가요 무엇 무슨 누가 누구
있 있어 있어요 있나 있나요 있는 있을 있을까요 있습니다 있으면 있는데 있고 있다 있음 없 없어 없어요 없는 없나 없나요 없이 없음 없다 없고 없는데
하 해 했 함 되 돼 됨 된 될 안 못 수 것 거 건 걸 게 데 때 적 중 좀 너무 계속 자꾸 그냥 혹시 다시 또 제 저 내 나 너 우리 저희 이거 그거 저거 이것 그것
이런 그런 저런 이렇게 그렇게 저렇게 같은 같아요 같이 같 알려 알려줘 알려주세요 알고 알 궁금 궁금해요 질문 방법 하는법 법 경우 때문 관련 대해 대한 대하 위해 통해
현재 지금 갑자기 다 한번 싶어요 싶 싶은데 싶습니다 원해요 원하 가능 가능한가요 가능해요 가능한 되나요 할수 해요 거예요 걸까요 건가요 인가요 나요
해줘 줘 주세요 줘요 요 네 예 아니 아니요 그리고 그런데 근데 그래서 또는 및 등 뭘 뭐지 뭐죠 하려면 하나요 합니까 합니다 입니까 됩니까 쓰는 쓰 써 쓸
더 시 그 번 설명 개념 않 상태인 위한 통한 인한 반대로 만들 만든 만드 찾 찾아 찾는 찾기 해두 해둬 해놓 해놨 해야 해야하 해야해요 여러가지 다양한 하나 엄청 가끔 항상 매번 제대로 잘 전혀 아예 정말 진짜 완전 상태 혹은 어쩌면 아마 하면 되면 보면 봐 봐요 보 보이 나와 나와요 나오 나옵니다 떠 떠요 뜨 뜹니다 생겨 생겼 생기 하고 하는 하기 해서 했는데
the a an is are was were be been being am do does did done doing have has had having i me my we our you your it its this that these those
to of in on at for from by with about as into than then there here what which who whom whose why how when where can could should would will shall may might
must and or but if so not no yes get got please any some all just also only very too much many more most other such own same both each few
went go goes going gone happen happens happened happening say says said want wants wanted need needs needed try tries tried trying
let lets know see check checking way ways thing things something anything still even ever already now like able cannot can't don't doesn't
isn't won't didn't i'm it's there's what's instead possible explain tell
`) {
		m[w] = true
	}
	return m
}()

func isStopword(s string) bool { return stopwords[s] }

// Stopword reports whether a word (a stem or a surface form) carries no topic.
func Stopword(s string) bool { return isStopword(s) }
