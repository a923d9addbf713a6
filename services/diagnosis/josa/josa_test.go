package josa

import "testing"

func TestRead(t *testing.T) {
	tests := []struct {
		word string
		want Ending
	}{
		// Hangul by its final consonant.
		{"파드", Vowel}, {"노드", Vowel}, {"서비스", Vowel}, {"컨테이너", Vowel},
		{"이미지", Vowel}, {"시크릿", Consonant}, {"볼륨", Consonant}, {"레이블", Rieul},
		{"프로브", Vowel}, {"클래스", Vowel}, {"값", Consonant}, {"호", Vowel}, {"팔", Rieul},
		// Digits by their Sino-Korean reading.
		{"web-0", Consonant}, {"web-1", Rieul}, {"web-2", Vowel}, {"web-3", Consonant},
		{"web-4", Vowel}, {"web-5", Vowel}, {"web-6", Consonant}, {"web-7", Rieul},
		{"web-8", Rieul}, {"web-9", Vowel}, {"10", Consonant}, {"20", Consonant},
		{"100", Consonant}, {"1000", Consonant}, {"10000", Consonant}, {"0", Consonant},
		{"12", Vowel}, {"1.20", Consonant}, {"0.5", Vowel}, {"nginx:1.25", Vowel}, {"gp2", Vowel},
		{"1000000000000", Vowel}, // 조
		// Acronyms are spelled.
		{"PVC", Vowel}, {"pvc", Vowel}, {"DNS", Vowel}, {"vm", Consonant}, {"SQL", Rieul},
		{"ClusterIP", Vowel}, {"HPA", Vowel}, {"PDB", Vowel}, {"grpc", Vowel}, {"m", Consonant},
		{"500m", Consonant}, {"L", Rieul}, {"R", Rieul}, {"N", Consonant}, {"x", Vowel},
		// Words, the last camel-case word for CamelCase.
		{"nginx", Vowel}, {"pvc-data", Vowel}, {"redis", Vowel}, {"kube-system/ncloud-config", Vowel},
		{"pod", Vowel}, {"server", Vowel}, {"worker", Vowel}, {"store", Vowel}, {"cache", Vowel},
		{"proxy", Vowel}, {"gateway", Vowel}, {"new", Vowel}, {"standard", Vowel}, {"batch", Vowel},
		{"main", Consonant}, {"admin", Consonant}, {"alpine", Consonant}, {"name", Consonant},
		{"zone", Consonant}, {"Pending", Consonant}, {"Running", Consonant}, {"ContainerCreating", Consonant},
		{"mysql", Rieul}, {"ErrImagePull", Rieul}, {"scale", Rieul}, {"console", Rieul}, {"Unschedulable", Rieul},
		{"web", Consonant}, {"job", Consonant}, {"CronJob", Consonant}, {"StatefulSet", Consonant},
		{"secret", Consonant}, {"bucket", Consonant}, {"ConfigMap", Consonant}, {"app", Consonant},
		{"stack", Consonant}, {"spec", Consonant}, {"webhook", Consonant}, {"group", Consonant},
		{"timeout", Consonant}, {"PersistentVolumeClaim", Consonant},
		{"test", Vowel}, {"NodePort", Vowel}, {"Deployment", Vowel}, {"boot", Vowel}, {"loop", Vowel},
		{"CrashLoopBackOff", Vowel}, {"OOMKilled", Vowel}, {"Evicted", Vowel}, {"NotReady", Vowel},
		{"LoadBalancer", Vowel}, {"Ingress", Vowel}, {"Gi", Vowel}, {"2Gi", Vowel}, {"512Mi", Vowel},
		{"80%", Vowel},
		// Looked through: quotes, backticks, a parenthetical.
		{"`web-1`", Rieul}, {`"nginx"`, Vowel}, {"코드 3(Error)", Consonant}, {"초과(OOMKilled)", Vowel},
		// Unknown.
		{"", Unknown}, {"web-", Unknown}, {"a b ", Unknown}, {"(x)", Unknown}, {"taj", Unknown},
		{"ㅋ", Unknown}, {"日本", Unknown},
	}
	for _, tt := range tests {
		if got := Read(tt.word); got != tt.want {
			t.Errorf("Read(%q) = %v, want %v", tt.word, got, tt.want)
		}
	}
}

func TestAttach(t *testing.T) {
	tests := []struct {
		word string
		p    Particle
		want string
	}{
		{"web-1", IGa, "web-1이"}, {"web-2", IGa, "web-2가"}, {"web-1", EuroRo, "web-1로"},
		{"web-3", EuroRo, "web-3으로"}, {"web-2", EuroRo, "web-2로"}, {"nginx", EulReul, "nginx를"},
		{"pvc-data", EunNeun, "pvc-data는"}, {"main", GwaWa, "main과"}, {"redis", GwaWa, "redis와"},
		{"mysql", EuroRo, "mysql로"}, {"mysql", EulReul, "mysql을"}, {"노드", IGa, "노드가"},
		{"볼륨", EuroRo, "볼륨으로"}, {"파일", EuroRo, "파일로"}, {"", IGa, "이(가)"},
		{"taj", EulReul, "taj을(를)"}, {"-", EuroRo, "-(으)로"},
	}
	for _, tt := range tests {
		if got := Attach(tt.word, tt.p); got != tt.want {
			t.Errorf("Attach(%q, %v) = %q, want %q", tt.word, tt.p, got, tt.want)
		}
	}
}

func TestResolve(t *testing.T) {
	tests := []struct{ in, want string }{
		{"컨테이너 web-1이(가) 종료 코드 3(Error)(으)로 실패", "컨테이너 web-1이 종료 코드 3(Error)으로 실패"},
		{"이미지 nginx:1.25을(를) 받지 못함", "이미지 nginx:1.25를 받지 못함"},
		{"PVC pvc-data은(는) StorageClass fast과(와) 묶임", "PVC pvc-data는 StorageClass fast와 묶임"},
		{"`kubectl logs web-1 -c app`(으)로 확인", "`kubectl logs web-1 -c app`으로 확인"},
		{"노드 node-7(으)로 옮김, node-2(으)로 옮김", "노드 node-7로 옮김, node-2로 옮김"},
		{"값 -이(가) 없음", "값 -이(가) 없음"},
		{"no particles (here)", "no particles (here)"},
		{"", ""},
		{"(으)로 시작", "(으)로 시작"},
		{"메모리 초과(OOMKilled)", "메모리 초과(OOMKilled)"},
	}
	for _, tt := range tests {
		if got := Resolve(tt.in); got != tt.want {
			t.Errorf("Resolve(%q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
	}
}

func (e Ending) String() string {
	return [...]string{"Unknown", "Vowel", "Consonant", "Rieul"}[e]
}
