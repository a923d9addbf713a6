package rules

import (
	"fmt"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"

	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/services/diagnosis/cluster"
)

// jobs finds Jobs that failed (backoff limit, deadline) and, at info
// severity, suspended Jobs and CronJobs. Completed Jobs and their pods are
// never findings.
var jobs = Rule{
	Name:  "jobs",
	Codes: []string{"JobFailed", "JobSuspended", "CronJobSuspended"},
	Reads: []string{cluster.KindJob, cluster.KindCronJob, cluster.KindPod},
	About: []string{cluster.KindJob, cluster.KindCronJob},
	Check: checkJobs,
}

func checkJobs(in *Input) []*kubemedicv1.Finding {
	var out []*kubemedicv1.Finding
	for _, ns := range in.scan() {
		for _, j := range in.State.Jobs(ns) {
			o := obj("batch/v1", "Job", j)
			if c := jobCondition(j, batchv1.JobFailed); c != nil {
				limit := int32(6)
				if j.Spec.BackoffLimit != nil {
					limit = *j.Spec.BackoffLimit
				}
				f := newFinding(in, o, "JobFailed", c.Reason, errorSev)
				say(f,
					fmt.Sprintf("Job %s: 실패 (%s, 실패 파드 %d개)", j.Name, c.Reason, j.Status.Failed),
					fmt.Sprintf("Job %s: failed (%s, %d failed pods)", j.Name, c.Reason, j.Status.Failed),
					fmt.Sprintf("Job이 %s(으)로 실패했습니다: %s. 실패 파드 %d개(backoffLimit %d), 성공 %d개. 실패한 파드의 로그(`kubectl logs -n %s -l job-name=%s`)를 확인하세요.", c.Reason, c.Message, j.Status.Failed, limit, j.Status.Succeeded, j.Namespace, j.Name),
					fmt.Sprintf("The Job failed with %s: %s. %d failed pods (backoffLimit %d), %d succeeded. Read the failed pods' logs (`kubectl logs -n %s -l job-name=%s`).", c.Reason, c.Message, j.Status.Failed, limit, j.Status.Succeeded, j.Namespace, j.Name))
				f.Evidence = []*kubemedicv1.Evidence{conditionEvidence("status.conditions", string(c.Type), string(c.Status), c.Reason, c.Message, c.LastTransitionTime.Time)}
				out = append(out, f)
				continue
			}
			if j.Spec.Suspend != nil && *j.Spec.Suspend && !ownedByCronJob(j) {
				f := newFinding(in, o, "JobSuspended", "", info)
				say(f,
					fmt.Sprintf("Job %s: 일시 중지됨(suspend)", j.Name),
					fmt.Sprintf("Job %s: suspended", j.Name),
					"spec.suspend가 true라 파드를 만들지 않습니다. 의도한 것이 아니면 false로 바꾸세요.",
					"spec.suspend is true, so it creates no pods. Set it to false if that is not intended.")
				f.Evidence = []*kubemedicv1.Evidence{fieldEvidence("spec.suspend", "Suspended", "true")}
				out = append(out, f)
			}
		}
		for _, cj := range in.State.CronJobs(ns) {
			if cj.Spec.Suspend == nil || !*cj.Spec.Suspend {
				continue
			}
			last := "없음/never"
			if cj.Status.LastScheduleTime != nil {
				last = cj.Status.LastScheduleTime.UTC().Format("2006-01-02 15:04 UTC")
			}
			f := newFinding(in, obj("batch/v1", "CronJob", cj), "CronJobSuspended", "", info)
			say(f,
				fmt.Sprintf("CronJob %s: 일시 중지됨(suspend)", cj.Name),
				fmt.Sprintf("CronJob %s: suspended", cj.Name),
				fmt.Sprintf("spec.suspend가 true라 스케줄 %q에 따라 Job을 만들지 않습니다 (마지막 실행 %s).", cj.Spec.Schedule, last),
				fmt.Sprintf("spec.suspend is true, so schedule %q creates no Jobs (last run %s).", cj.Spec.Schedule, last))
			f.Evidence = []*kubemedicv1.Evidence{fieldEvidence("spec.suspend", "Suspended", "true")}
			out = append(out, f)
		}
	}
	return out
}

func jobCondition(j *batchv1.Job, t batchv1.JobConditionType) *batchv1.JobCondition {
	for i := range j.Status.Conditions {
		c := &j.Status.Conditions[i]
		if c.Type == t && c.Status == corev1.ConditionTrue {
			return c
		}
	}
	return nil
}

func ownedByCronJob(j *batchv1.Job) bool {
	for _, r := range j.OwnerReferences {
		if r.Kind == "CronJob" {
			return true
		}
	}
	return false
}
