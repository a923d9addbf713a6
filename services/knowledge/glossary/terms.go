package glossary

// table lists concepts, one per line: the canonical English term, a colon, and
// comma-separated variants users type — English forms, Korean words, Korean
// transliterations and chat spellings (팟, 포드, 낫레디, 펜딩). Variants with a
// space are phrases and match consecutive words. A variant may appear under
// several concepts (clb is a load balancer and a TKE product name).
//
// Keep variants specific: a variant that is an everyday Korean word (확인,
// 문제) would make every question look like it is about that concept.
const table = `
pod: pod, pods, 파드, 팟, 포드, 파드들, 팟들, 포드들, 팓
node: node, nodes, 노드, 노드들, 워커노드, 워커 노드, worker node, 워커, 놋
deployment: deployment, deployments, deploy, 디플로이먼트, 디플로이, 디플로이멘트, 디플로이먼, 디플로이먼츠, 배포
replicaset: replicaset, replicasets, rs, 레플리카셋, 레플리카 셋, 레플리카세트, 레플리카 세트
replica: replica, replicas, 레플리카, 복제본, 레플리카 수, 레플리카수, 컨테이너 수, 컨테이너수, 인스턴스 수, 인스턴스수, 파드 수, 파드수, 파드 개수, 파드개수, pod 수, pod 개수, replica count, instance count
statefulset: statefulset, statefulsets, sts, 스테이트풀셋, 스테이트풀 셋, 스테이트풀세트, 스테이트풀
daemonset: daemonset, daemonsets, ds, 데몬셋, 데몬 셋, 데몬세트
job: job, jobs, cronjob, 잡, 크론잡
service: service, services, svc, 서비스, 서비스들
endpoint: endpoint, endpoints, endpointslice, endpointslices, ep, 엔드포인트, 엔드 포인트, 엔드포인트슬라이스
ingress: ingress, ingresses, 인그레스, 인그래스, 잉그레스, ingress controller, 인그레스컨트롤러, 인그레스 컨트롤러
configmap: configmap, configmaps, cm, 컨피그맵, 컨피그 맵, 콘피그맵, 컨피그멥, 설정맵
secret: secret, secrets, 시크릿, 씨크릿, 시크릿키
namespace: namespace, namespaces, ns, 네임스페이스, 네임 스페이스, 네임스페이스들, 네임스패이스
volume: volume, volumes, pv, persistentvolume, 볼륨, 퍼시스턴트볼륨, 영구볼륨, 영구 볼륨
pvc: pvc, persistentvolumeclaim, 볼륨클레임, 볼륨 클레임, 퍼시스턴트볼륨클레임
storageclass: storageclass, storage class, 스토리지클래스, 스토리지 클래스
storage: storage, 스토리지, 저장소, disk, disks, 디스크, cbs, 클라우드디스크
nfs: nfs, cfs, 파일스토리지, 파일 스토리지
container: container, containers, 컨테이너, 컨테이너들, 콘테이너
image: image, images, 이미지, 이미지들, 도커이미지, 도커 이미지, 컨테이너이미지, 컨테이너 이미지
registry: registry, registries, 레지스트리, 리지스트리, tcr, acr, ncr, 이미지 저장소, 이미지저장소, 도커허브, dockerhub, docker hub, 허브
log: log, logs, logging, 로그, 로깅, 로그들, 로그수집, 로그 수집
event: event, events, 이벤트, 이벤트들, 이벤트로그
cluster: cluster, clusters, 클러스터, 클러스터들, 클러스타
kubelet: kubelet, 큐블릿, 쿠블릿, 쿠블렛, 큐블렛, 쿠버렛, 큐브렛, 쿠베렛
kubectl: kubectl, 큐브컨트롤, 쿠베컨트롤, 큐브씨티엘, 쿠브씨티엘, 큐브커틀, 쿠벡틀, 큐벡틀, 쿱컨트롤
kubernetes: kubernetes, k8s, 쿠버네티스, 쿠베, 쿠버, 쿠베네티스, 쿠버네티즈, 큐버네티스
apiserver: apiserver, api server, kube-apiserver, api 서버, api서버, 에이피아이 서버, 컨트롤 플레인, 컨트롤플레인, control plane, master, 마스터
scheduler: scheduler, kube-scheduler, 스케줄러, 스케쥴러
pending: pending, 펜딩, 펜딩중
waiting: waiting, 대기, 대기중, 웨이팅
running: running, 러닝, 실행중, 돌고, 돌아가는, 돌아가고, 돌려, 돌리, 구동, 구동중, 떠 있, 떠있
notready: notready, not ready, 낫레디, 낫 레디, 노레디, 노트레디, 준비되지, 준비 안됨
ready: ready, readiness, 레디, 준비
crashloopbackoff: crashloopbackoff, crashloop, crash loop, 크래시루프, 크래시 루프, 크래시루프백오프, 크래쉬루프, 크래쉬루프백오프, 크래시루프백오프
imagepullbackoff: imagepullbackoff, errimagepull, 이미지풀백오프, 이미지풀, 이미지 풀, image pull, imagepull, 이미지 못 받, 이미지를 못 받, 이미지 안 받, 이미지 받아오, 이미지 다운로드, 이미지 pull, pull 실패, 풀 실패
crash: crash, crashes, crashed, crashing, 크래시, 크래쉬, 죽어, 죽어요, 죽음, 죽는, 죽고, 죽었, 뻗어, 뻗었, 뻗음, 터졌, 터져, 튕겨, 튕김
restart: restart, restarts, restarted, restarting, 재시작, 리스타트, 재기동, 재부팅, reboot
oomkilled: oomkilled, oom, oom killed, oomkill, 메모리 부족, 메모리부족, 아웃오브메모리, out of memory
evicted: evicted, eviction, evict, evictions, 축출, 이빅션, 이빅트, 퇴거, 쫓겨
taint: taint, taints, 테인트, 테인트가, toleration, tolerations, 톨러레이션, 톨러레이션즈
affinity: affinity, antiaffinity, anti-affinity, 어피니티, 어피니티가, 안티어피니티, 선호도
nodeselector: nodeselector, node selector, 노드셀렉터, 노드 셀렉터
selector: selector, selectors, 셀렉터, 셀렉터가, 선택기, label selector, 라벨셀렉터
label: label, labels, 라벨, 레이블, 레이블들, 라벨들
annotation: annotation, annotations, 어노테이션, 애노테이션, 주석
scheduling: scheduling, schedule, scheduled, unschedulable, failedscheduling, 스케줄링, 스케줄, 스케쥴링, 스케쥴
autoscaler: autoscaler, cluster-autoscaler, cluster autoscaler, autoscaling, 오토스케일러, 오토스케일링, 오토 스케일링, 오토 스케일러, 자동확장, 자동 확장, 자동스케일링, 자동 스케일링, 오토스케일
hpa: hpa, horizontalpodautoscaler, horizontal pod autoscaler, 수평확장, 수평 확장, 에이치피에이
scale: scale, scaling, scaled, scale-out, scaleout, scale out, scale-in, scale in, 스케일, 스케일링, 스케일아웃, 스케일 아웃, 스케일인, 확장, 축소, 늘려, 늘리, 줄여, 줄이
loadbalancer: loadbalancer, load balancer, load balancers, lb, 로드밸런서, 로드 밸런서, 로드벨런서, 로드발란서, 로밸, 엘비, 부하분산, 부하 분산, 부하분산기, clb, alb, nlb, slb, 로드밸런서들
externalip: external-ip, externalip, external ip, 외부ip, 외부 ip, 외부아이피, 외부 아이피, 익스터널아이피, 익스터널 ip
ip: ip, ips, 아이피, ip주소, ip 주소, 주소
publicip: public ip, 공인ip, 공인 ip, 공인아이피, 공인 아이피, 퍼블릭ip, 퍼블릭 ip, eip, 공인, 퍼블릭, public, 공중망, 공개, 공용, 인터넷망, 외부망
subnet: subnet, subnets, 서브넷, 서브넷들, 서브네트, 서브넷이
vpc: vpc, 가상네트워크, 가상 네트워크, vnet
dns: dns, coredns, kube-dns, 디엔에스, 네임서버, 도메인, 이름풀이, name resolution, nslookup, resolv.conf
network: network, networking, 네트워크, 네트워킹, 네트웍, 통신
networkpolicy: networkpolicy, networkpolicies, network policy, 네트워크정책, 네트워크 정책, 네트워크폴리시, 네트워크 폴리시, 넷폴, ciliumnetworkpolicy, cnp
cni: cni, 씨엔아이
calico: calico, 캘리코, 칼리코
flannel: flannel, 플라넬, 플란넬, 플래널
weave: weave, weave net, weavenet, 위브, 위브넷
kube-router: kube-router, kuberouter, 큐브라우터, 큐브 라우터
cilium: cilium, 실리움, 씰리움, 셀리움
kube-proxy: kube-proxy, kubeproxy, 큐브프록시, 큐브 프록시, 쿠베프록시, 쿠브프록시
proxy: proxy, 프록시, 프락시
port: port, ports, 포트, 포트번호, 포트 번호, nodeport, targetport, containerport
securitygroup: security group, security groups, securitygroup, 보안그룹, 보안 그룹, nsg, acg, 방화벽, firewall
certificate: certificate, certificates, cert, certs, tls, ssl, 인증서, 인증서들, 서티피케이트
permission: permission, permissions, rbac, 권한, 인가, 퍼미션, authorization, forbidden
authentication: authentication, auth, 인증, 로그인, login, credential, credentials, 자격증명, 자격 증명
role: role, roles, 역할, 롤, 롤바인딩, rolebinding, clusterrole, cam
memory: memory, mem, 메모리, 램, ram
cpu: cpu, cpus, 씨피유, vcpu, 코어, core, cores
quota: quota, quotas, 할당량, 쿼터, 한도, 할당, resourcequota
limit: limit, limits, 제한, 리밋, 상한
request: requests, 리퀘스트, 요청량
probe: probe, probes, liveness, livenessprobe, readinessprobe, startupprobe, 프로브, 헬스체크, 헬스 체크, health check, healthcheck, 상태검사, 상태 검사, 라이브니스, 레디니스
upgrade: upgrade, upgrades, upgrading, 업그레이드, 업글, 버전업
version: version, versions, 버전, 버젼, 신버전, 새버전, 새 버전, 구버전, 옛 버전, 이전 버전
delete: delete, deletion, deleted, deleting, remove, removed, 삭제, 지우, 지워, 지웠, 지움, 제거, 삭제중, 날리, 날려, 날렸, 날아갔, 없애, 없앴
connect: connect, connection, connections, connectivity, 연결, 접속, 커넥션, 연결성, 통신
timeout: timeout, timeouts, timed out, 타임아웃, 시간초과, 시간 초과
terminal: terminal, 터미널, 원격 터미널, 원격터미널, webshell, 웹쉘, 웹셸, 콘솔터미널, 웹 터미널, 웹터미널, web terminal
console: console, 콘솔, 포털, portal, 웹콘솔
shell: shell, exec, 쉘, 셸, 배시, bash, sh, 들어가, 들어가서, 들어갈, 진입
debug: debug, debugging, 디버그, 디버깅, 디버거, troubleshoot, troubleshooting, 트러블슈팅
metrics: metric, metrics, 메트릭, 메트릭스, 지표, 모니터링, monitoring, prometheus, 프로메테우스
metrics-server: metrics-server, metrics server, 메트릭서버, 메트릭 서버, 메트릭스서버, 메트릭스 서버
top: top, kubectl top
containerd: containerd, 컨테이너디, 컨테이너 디
docker: docker, 도커, dockerd, dockershim, 도커심
crictl: crictl, cri, 크리씨티엘
runtime: runtime, runtimes, 런타임, 컨테이너 런타임, container runtime
serverless: serverless, 서버리스, eks, eklet, 이클릿
supernode: super node, supernode, super nodes, 슈퍼노드, 슈퍼 노드, 가상노드, 가상 노드, virtual node
nodepool: node pool, node pools, nodepool, nodepools, agentpool, agent pool, 노드풀, 노드 풀, 노드그룹, 노드 그룹, node group
systemnodepool: system node pool, 시스템 노드풀, 시스템 노드 풀, 시스템노드풀
resourcegroup: resource group, resource groups, resourcegroup, 리소스그룹, 리소스 그룹, rg, 노드 리소스 그룹
vm: vm, vms, virtual machine, 가상머신, 가상 머신, cvm, vmss, 인스턴스, instance
azure: azure, 애저, 에저, 아주르, 애져, microsoft
aks: aks, azure kubernetes service
tencent: tencent, 텐센트, 텐센트클라우드, 텐센트 클라우드, 텐센트 쿠버네티스
tke: tke, tencent kubernetes engine
naver: naver, ncloud, 네이버, 네이버클라우드, 네이버 클라우드, ncp, 엔클라우드
nks: nks, ncloud kubernetes service, 네이버 쿠버네티스
cls: cls, 로그서비스, 로그 서비스, cloud log service
index: index, indexes, indices, 인덱스, 색인
topic: topic, topics, 토픽
stdout: stdout, stderr, standard output, 표준출력, 표준 출력, 표준에러, 표준 에러
hairpin: hairpin, hairpin-mode, hairpin mode, 헤어핀
loopback: loopback, 루프백, 자기자신, 자기 자신, 자신한테, 자기한테
initcontainer: init container, init containers, initcontainer, initcontainers, 초기화컨테이너, 초기화 컨테이너, 이닛컨테이너, 이닛 컨테이너, 초기 컨테이너, init
ephemeralcontainer: ephemeral container, ephemeral containers, ephemeral, 임시컨테이너, 임시 컨테이너, 에페메랄, 이페머럴, 디버그 컨테이너, 일회용 컨테이너, 일회성 컨테이너, 일회용, 임시 디버그 컨테이너
distroless: distroless, 디스트로리스, 쉘없는, 쉘 없는
pdb: pdb, poddisruptionbudget, pod disruption budget, 중단 예산, 파드 중단 예산
drain: drain, draining, 드레인, 드레인이
cordon: cordon, uncordon, 코돈, 언코돈, 스케줄 불가
rollout: rollout, rollback, 롤아웃, 롤백, 롤링업데이트, 롤링 업데이트, rolling update, 무중단 배포, 무중단배포
canary: canary, 카나리, 카나리아, 카나리 배포
manifest: manifest, manifests, yaml, yml, 매니페스트, 야믈, 야물, 매니패스트, 명세, spec
apply: apply, 어플라이, 적용, 적용해, 반영
patch: patch, patches, patching, 패치, 패칭, 보안패치, 보안 패치
edit: edit, 에디트, 편집
timesync: ntp, chrony, time sync, 시간동기화, 시간 동기화, 시각 동기화
admission: admission, admission controller, admission controllers, admission webhook, 어드미션, 승인 컨트롤러, 어드미션 컨트롤러, 웹훅, webhook
zone: zone, zones, availability zone, availability zones, az, 가용영역, 가용 영역, 가용성 영역, 가용성영역, 가용존, 가용 존, 존, 영역
region: region, regions, 리전, 지역, 리젼
json: json, 제이슨, 제이썬
terminationmessage: termination message, terminationmessagepath, terminationmessagepolicy, 종료메시지, 종료 메시지, 종료 메세지, 종료메세지, 종료 사유
error: error, errors, err, 에러, 오류, 에러가, 오류가
fail: fail, failed, failure, failing, fails, 실패, 안돼, 안됨, 안돼요, 안되요, 안되
slow: slow, slowly, latency, delay, 느려, 느림, 느리, 오래, 오래걸려, 늦어, 버벅, 지연, 딜레이
count: count, number, 개수, 갯수, 몇개, 몇 개, 대수, 몇 대, 몇대, 수량, how many
maximum: max, maximum, 최대, 최대치, 최댓값
zero: zero, 0개, 0대, 영개, 제로
statefulness: stateful, 상태저장, 상태 저장
hostport: hostport, 호스트포트, 호스트 포트
nodeport: nodeport, 노드포트, 노드 포트
clusterip: clusterip, cluster ip, 클러스터ip, 클러스터 ip, 클러스터아이피, 서비스 ip, 서비스ip
externaltrafficpolicy: externaltrafficpolicy, external traffic policy, 외부 트래픽 정책
clientip: client ip, client ips, 클라이언트ip, 클라이언트 ip, 클라이언트 아이피, 클라이언트아이피, 소스 ip, 소스ip, source ip, 실제 ip, 원본 ip, x-forwarded-for, xff
sessionaffinity: session affinity, sessionaffinity, 세션 어피니티, 세션 고정, 스티키 세션, sticky session
targetgroup: target group, target groups, targetgroup, 타겟그룹, 타깃그룹, 타겟 그룹, 타깃 그룹, 대상 그룹
rpfilter: rp_filter, rpfilter, reverse path filter, 역경로 필터
nodelocaldns: node-local-dns, nodelocaldns, nodelocal dns, 노드로컬dns, 노드 로컬 dns
statefulsetpod: ordinal, 서수
nodeproblemdetector: node-problem-detector, node problem detector, npd, 노드 문제 감지기, 노드문제감지기
systemlog: journalctl, journald, syslog, 시스템 로그, 시스템로그
api: api, apis, 에이피아이
addon: addon, addons, add-on, add-ons, 애드온, 부가기능, extension, extensions, 확장 기능, 확장기능
windows: windows, 윈도우, 윈도우즈, 윈도
linux: linux, 리눅스
os: os, 운영체제, 운영 체제, ubuntu, 우분투, centos, 센토스, debian, 데비안, tencentos
gpu: gpu, gpus, 지피유, 그래픽카드, nvidia, 엔비디아, cuda
fsgroup: fsgroup, fs group, 파일시스템 그룹
securitycontext: securitycontext, security context, 보안 컨텍스트
privileged: privileged, 특권, 특권모드, 특권 모드
kubeconfig: kubeconfig, 큐브컨피그, 쿠베컨피그, kube config, 자격증명 파일
apiaccess: authorized ip, authorized ip ranges, api-server-authorized-ip-ranges, 허용 ip, 허용 아이피
private: private, 프라이빗, 사설, 내부망, 사설망, 내부망, 내부용, internal, intranet, 인트라넷
sla: sla, uptime, 가동시간, 가동 시간, 가용성
price: price, pricing, cost, 요금, 비용, 가격, 과금, 할인, discount
backup: backup, 백업, restore, 복원, 복구, 되돌리, 되돌려, 되살리, 되살려, undelete, recover
move: move, migrate, migration, 이동, 이전, 마이그레이션, 옮기, 옮겨
rename: rename, 이름 변경, 이름변경, 이름 바꾸
stuck: stuck, hang, hangs, hung, frozen, 멈춰, 멈춤, 멈췄, 멈춘, 걸려있, 안넘어가, 안 넘어가, 먹통
driver: driver, drivers, 드라이버
socket: socket, sock, 소켓, unix socket, runtime-endpoint
visible: visible, 안보여, 안 보여, 안보임, 안 보임, 보이지, 볼 수 없, 볼 수가 없, 안 나와, 안나와, 안 떠, 안떠, 누락, missing
naming: naming, 명명, 명명 규칙, 이름 규칙, 이름 짓, 짓고, 짓는, 네이밍
intercept: intercept, 가로채, 가로채서, telepresence, 텔레프레즌스
disconnect: disconnect, disconnected, disconnects, 끊겨, 끊김, 끊기, 끊긴, 끊어, 끊어져, 끊어짐, 끊어졌, 끊겼, 끊어진, 튕겨, 튕김
insufficient: insufficient, shortage, exhausted, 부족, 모자라, 모자람, 모자르, 모자란, 고갈, 소진, 바닥
full: full, 가득, 꽉, 가득 차, 꽉 차, 찼, 찼어요, 가득찼, 꽉찼, 넘쳐
block: block, blocked, blocking, 차단, 막혀, 막히, 막힘, 막아, 막기, 막는, 막고, 막혔
exit: exit, exited, exits, 종료, 끝나, 끝남, 끝났, 꺼져, 꺼짐, 꺼졌, 꺼지, shutdown, terminated
tool: tool, tools, 툴, 도구, 유틸, 유틸리티, utility, utilities, 패키지, package, packages
command: command, commands, cmd, 명령, 명령어, 커맨드, 커멘드
copy: copy, 복사, 복붙, 카피, ctrl+c
paste: paste, 붙여넣기, 붙여넣, 붙여넣어, 붙여 넣기, 붙여 넣, 복붙, 페이스트, shift+insert
password: password, passwords, passwd, 비밀번호, 비번, 패스워드, 암호
forget: forget, forgot, forgotten, 잊어버, 잊어, 잊었, 잊음, 잊어버림, 까먹, 까먹었, 까먹음, 분실, 기억 안
share: share, shared, sharing, 공유, 같이 쓰, 같이 사용, 함께 쓰, 함께 사용, 여럿이
collect: collect, collection, collector, scrape, scraping, 수집, 수집기, 긁어, 긁어오, 스크랩, 스크레이프
folder: folder, folders, directory, directories, dir, 폴더, 디렉터리, 디렉토리, 하위 폴더, 하위 디렉터리, 서브디렉터리, subdirectory, subdirectories
skip: skip, skipped, bypass, exclude, excluded, ignore, ignored, 제외, 건너뛰, 건너뜀, 우회, 무시, 지나가
split: split, 쪼개, 쪼개져, 쪼개진, 나뉘, 나뉘어, 나눠, 나누, 분리, 갈라
warning: warning, warnings, warn, 경고, 워닝
replicationcontroller: replicationcontroller, replicationcontrollers, replication controller, 레플리케이션컨트롤러, 레플리케이션 컨트롤러
multiple: multiple, multi, 여러, 여러개, 여러 개, 다수, 복수, 두 개, 세 개, 두개, 세개, 여러 대, 멀티
notfound: not found, notfound, 찾을 수 없, 찾을 수가 없, 못 찾, 못찾, 찾지 못, 없대, 없다고
caution: caution, 주의, 주의사항, 주의 사항, 주의점, 조심, 유의, 유의사항
truncate: truncate, truncated, truncation, 잘라, 잘라야, 자르, 잘림, 잘려, 잘린
size: size, sizes, 크기, 사이즈, 커서, 커요, 크면, 너무 커, 너무 큰
dockerfile: dockerfile, 도커파일, 도커 파일
iptables: iptables, iptables-save, 아이피테이블, 아이피테이블즈, ip테이블
ipvs: ipvs, ipvsadm, 아이피브이에스
fluentd: fluentd, fluent-bit, fluentbit, 플루언트디, 플루엔트디, 플루언트비트
busybox: busybox, 비지박스, 비지 박스
change: change, changed, changes, changing, modify, modified, 변경, 바꾸, 바꿔, 바꿨, 바뀌, 바뀐, 바뀜, 바뀌었, 수정, 고치, 고쳐, update, updated, updates, updating, 업데이트, 갱신
all: 모든, 전체, 전부, 모두, entire, all-namespaces
duration: duration, how long, 소요, 소요시간, 소요 시간, 걸립, 걸리나, 걸리는, 얼마나 걸, 몇 분, 몇분, 몇 초, 몇초
klog: klog, klog/v2, 케이로그
disable: disable, disabled, disabling, turn off, 비활성화, 비활성, 끄기, 끄는, 끄려면, 꺼두, 꺼놓
enable: enable, enabled, enabling, turn on, 활성화, 켜기, 켜는, 켜려면, 켜두
work: work, works, working, worked, 작동, 동작, 작동중, 동작중
absent: absent, missing, does not exist, not exist, 존재하지 않, 존재 안, 사라졌, 사라짐, 사라져, 없어졌, 없어짐
wrong: wrong, incorrect, invalid, 잘못, 잘못된, 올바르지 않, 올바르지 못, 틀린, 틀려
meaning: meaning, means, 의미, 뜻, 무슨 뜻, 뜻이
unexpected: unexpected, 만든 적 없, 생성한 적 없, 생성하지 않은, 의도하지 않은, 예상치 못한, 모르는
exceed: exceed, exceeded, exceeds, 초과, 넘게, 넘으면, 넘었, 넘어서
etcd: etcd, 이티씨디, etcdctl
sidecar: sidecar, sidecars, 사이드카, 헬퍼 컨테이너, 헬퍼, helper container, helper, 보조 컨테이너, 보조컨테이너
err-name-not-known: name or service not known, no such host, could not resolve host, temporary failure in name resolution, nxdomain, servfail
err-not-permitted: operation not permitted, eperm
err-permission-denied: permission denied, eacces
err-connection-refused: connection refused, econnrefused
err-timeout: i/o timeout, context deadline exceeded, deadline exceeded, connection timed out
err-no-space: no space left on device, enospc, disk pressure, diskpressure
err-metrics-unavailable: metrics not available, metrics api not available
err-backoff-restarting: back-off restarting failed container, backoff restarting failed container
err-insufficient-cpu: insufficient cpu
err-insufficient-memory: insufficient memory
err-too-many-pods: too many pods
err-quota-exceeded: exceeded quota, quota exceeded, forbidden: exceeded quota
err-immutable: field is immutable
err-x509: x509, certificate signed by unknown authority, certificate has expired
err-createcontainer: createcontainerconfigerror, createcontainererror, runcontainererror, containercreating
err-unschedulable: failedscheduling, unschedulable, didn't match node selector, had untolerated taint, nodes are available, node(s) didn't match
`

// everyday lists the concepts that are ordinary IT vocabulary rather than
// Kubernetes or cloud vocabulary: a question about git, cron, Excel or a VPN
// names them too ("에러", "로그", "비밀번호", "리눅스"). They still join Korean
// and English words for search; only the confidence's concept count weighs
// them less (see Glossary.Everyday).
var everyday = []string{
	"storage", "image", "log", "event", "waiting", "running", "ready", "crash", "restart", "label",
	"ip", "publicip", "dns", "network", "proxy", "port", "certificate", "permission", "authentication", "role",
	"memory", "cpu", "quota", "limit", "request", "upgrade", "version", "delete", "connect", "timeout",
	"terminal", "console", "shell", "debug", "metrics", "top", "vm", "index", "topic", "stdout", "loopback",
	"manifest", "apply", "patch", "edit", "timesync", "region", "json", "error", "fail", "slow", "count",
	"maximum", "zero", "statefulness", "clientip", "systemlog", "api", "addon", "windows", "linux", "os", "gpu",
	"private", "sla", "price", "backup", "move", "rename", "stuck", "driver", "socket", "visible", "naming",
	"err-name-not-known", "err-not-permitted", "err-permission-denied", "err-connection-refused", "err-timeout",
	"err-no-space", "err-x509", "disconnect", "insufficient", "full", "block", "exit", "tool", "command",
	"copy", "paste", "password", "forget", "share", "collect", "folder", "skip", "split", "warning", "multiple", "exceed", "notfound", "caution", "truncate", "size", "iptables", "change", "all", "duration", "disable", "enable", "work", "absent", "wrong", "meaning", "unexpected",
}
