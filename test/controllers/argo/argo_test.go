// Package argo runs Argo Rollouts v1.8.5's own analysis controller (analysis.NewController with
// its real provider factory and web metric provider, AnalysisRuns built by
// NewAnalysisRunFromTemplates from the shipped examples/argo-rollouts/analysis-template.yaml)
// against a live release-health gate (test/controllers/fixture.ts, started by
// scripts/services/go-controllers.sh). Kubernetes itself is Argo's fake clientsets: the AnalysisRun
// and the token Secret live there, everything else is Argo's code and real HTTP.
//
// The one change made to the shipped templates: the provider URL's origin (a cluster DNS name)
// is replaced by the fixture's gate (or a closed port for the gate-down test).
package argo

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/argoproj/argo-rollouts/analysis"
	"github.com/argoproj/argo-rollouts/controller/metrics"
	"github.com/argoproj/argo-rollouts/pkg/apis/rollouts/v1alpha1"
	"github.com/argoproj/argo-rollouts/pkg/client/clientset/versioned/fake"
	informers "github.com/argoproj/argo-rollouts/pkg/client/informers/externalversions"
	analysisutil "github.com/argoproj/argo-rollouts/utils/analysis"
	"github.com/argoproj/argo-rollouts/utils/queue"
	"github.com/argoproj/argo-rollouts/utils/record"
	log "github.com/sirupsen/logrus"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kubeinformers "k8s.io/client-go/informers"
	k8sfake "k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
	"release-health/test/controllers/gatefixture"
	"sigs.k8s.io/yaml"
)

const (
	namespace      = "production"  // the templates' namespace; its Secret holds the real reader token
	wrongNamespace = "wrong-token" // a Secret with a token the gate does not know
	secretName     = "release-health-gate"
)

var (
	fx        gatefixture.Fixture
	argo      *fake.Clientset
	templates = map[string]*v1alpha1.AnalysisTemplate{}
	runSeq    atomic.Int32
)

func TestMain(m *testing.M) {
	fx = gatefixture.Load()
	loadTemplates()
	log.SetLevel(log.WarnLevel)

	ctx, cancel := context.WithCancel(context.Background())
	startController(ctx)
	code := m.Run()
	cancel()
	os.Exit(code)
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

// loadTemplates reads every AnalysisTemplate of the shipped example.
func loadTemplates() {
	raw, err := os.ReadFile(filepath.Join("..", "..", "..", "examples", "argo-rollouts", "analysis-template.yaml"))
	must(err)
	for _, doc := range regexp.MustCompile(`(?m)^---\s*$`).Split(string(raw), -1) {
		var head struct{ Kind string }
		must(yaml.Unmarshal([]byte(doc), &head))
		if head.Kind != "AnalysisTemplate" {
			continue
		}
		var t v1alpha1.AnalysisTemplate
		must(yaml.UnmarshalStrict([]byte(doc), &t))
		templates[t.Name] = &t
	}
	for _, name := range []string{"release-health-guard", "release-health-promotion"} {
		if templates[name] == nil {
			panic("examples/argo-rollouts/analysis-template.yaml has no AnalysisTemplate " + name)
		}
	}
}

// startController runs Argo's analysis controller with two workers, as the Argo controller does.
func startController(ctx context.Context) {
	secret := func(ns, token string) *corev1.Secret {
		return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: secretName, Namespace: ns}, Data: map[string][]byte{"reader-token": []byte(token)}}
	}
	kube := k8sfake.NewSimpleClientset(secret(namespace, fx.ReaderToken), secret(wrongNamespace, strings.Repeat("x", 40)))
	argo = fake.NewSimpleClientset()
	argoInformers := informers.NewSharedInformerFactory(argo, 0)
	kubeInformers := kubeinformers.NewSharedInformerFactory(kube, 0)
	runs := argoInformers.Argoproj().V1alpha1().AnalysisRuns()
	controller := analysis.NewController(analysis.ControllerConfig{
		KubeClientSet:        kube,
		ArgoProjClientset:    argo,
		AnalysisRunInformer:  runs,
		JobInformer:          kubeInformers.Batch().V1().Jobs(),
		ResyncPeriod:         0,
		AnalysisRunWorkQueue: workqueue.NewNamedRateLimitingQueue(queue.DefaultArgoRolloutsRateLimiter(), "AnalysisRuns"),
		MetricsServer:        metrics.NewMetricsServer(metrics.ServerConfig{Addr: "127.0.0.1:0", K8SRequestProvider: &metrics.K8sRequestsCountProvider{}}),
		Recorder:             record.NewFakeEventRecorder(),
	})
	argoInformers.Start(ctx.Done())
	kubeInformers.Start(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), runs.Informer().HasSynced, kubeInformers.Batch().V1().Jobs().Informer().HasSynced) {
		panic("informer caches did not sync")
	}
	go func() { must(controller.Run(ctx, 2)) }()
}

type runOptions struct {
	origin    string // replaces the template URL's origin; default the fixture's gate
	namespace string // default `namespace` (the Secret with the real token)
}

// startRun builds the AnalysisRun the way the Rollout controller does and hands it to Argo.
func startRun(t *testing.T, template, releaseID string, o runOptions) string {
	t.Helper()
	if o.origin == "" {
		o.origin = fx.GateURL
	}
	if o.namespace == "" {
		o.namespace = namespace
	}
	id := releaseID
	name := fmt.Sprintf("%s-%s-%d", template, strings.ToLower(releaseID), runSeq.Add(1))
	run, err := analysisutil.NewAnalysisRunFromTemplates([]*v1alpha1.AnalysisTemplate{templates[template]}, nil,
		[]v1alpha1.Argument{{Name: "release-id", Value: &id}}, nil, nil, nil, nil, name, "", o.namespace)
	if err != nil {
		t.Fatal(err)
	}
	for i := range run.Spec.Metrics {
		web := run.Spec.Metrics[i].Provider.Web
		at := strings.Index(web.URL, "/api/v1/")
		if at < 0 {
			t.Fatalf("template %s: unexpected URL %s", template, web.URL)
		}
		web.URL = strings.TrimRight(o.origin, "/") + web.URL[at:]
	}
	if _, err := argo.ArgoprojV1alpha1().AnalysisRuns(o.namespace).Create(context.Background(), run, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	return o.namespace + "/" + name
}

func get(t *testing.T, key string) *v1alpha1.AnalysisRun {
	t.Helper()
	ns, name, _ := strings.Cut(key, "/")
	run, err := argo.ArgoprojV1alpha1().AnalysisRuns(ns).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return run
}

// waitFor polls the run until done(run) or the timeout.
func waitFor(t *testing.T, key string, timeout time.Duration, what string, done func(*v1alpha1.AnalysisRun) bool) *v1alpha1.AnalysisRun {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		run := get(t, key)
		if done(run) {
			return run
		}
		if time.Now().After(deadline) {
			j, _ := json.MarshalIndent(run.Status, "", "  ")
			t.Fatalf("%s: not reached within %s; status:\n%s", what, timeout, j)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func completed(run *v1alpha1.AnalysisRun) bool { return run.Status.Phase.Completed() }

// firstMeasured: the run's first measurement has finished.
func firstMeasured(run *v1alpha1.AnalysisRun) bool {
	return len(run.Status.MetricResults) > 0 && len(run.Status.MetricResults[0].Measurements) > 0 && run.Status.MetricResults[0].Measurements[0].FinishedAt != nil
}

// valueOf: the web provider stores the jsonPath match JSON-encoded ("\"continue\"").
func valueOf(m v1alpha1.Measurement) string {
	var v string
	if err := json.Unmarshal([]byte(m.Value), &v); err != nil {
		return m.Value
	}
	return v
}

// The guard (background analysis) FAILS — the rollout aborts — on rollback and reduce-traffic.
func TestGuardFailsOnRollback(t *testing.T)      { guardFails(t, "ctl-rollback", "rollback") }
func TestGuardFailsOnReduceTraffic(t *testing.T) { guardFails(t, "ctl-reduce", "reduce-traffic") }

func guardFails(t *testing.T, releaseID, decision string) {
	if d := fx.Decision(t, releaseID); d != decision {
		t.Fatalf("fixture: %s is %s, not %s", releaseID, d, decision)
	}
	run := waitFor(t, startRun(t, "release-health-guard", releaseID, runOptions{}), 30*time.Second, "guard completes", completed)
	if run.Status.Phase != v1alpha1.AnalysisPhaseFailed {
		t.Fatalf("guard on %s: phase %s (%s), want Failed", decision, run.Status.Phase, run.Status.Message)
	}
	if !strings.Contains(run.Status.Message, "failed (1) > failureLimit (0)") {
		t.Fatalf("guard message %q", run.Status.Message)
	}
}

// Any other answer is a Successful measurement and the guard keeps running (no count: it guards
// the rollout until the rollout ends it) — a new release, one without data, promote, inconclusive.
func TestGuardKeepsGuardingOnContinue(t *testing.T)  { guardRuns(t, "ctl-continue", "continue") }
func TestGuardKeepsGuardingNewRelease(t *testing.T)  { guardRuns(t, "ctl-new", "continue") }
func TestGuardKeepsGuardingWithoutData(t *testing.T) { guardRuns(t, "ctl-nodata-young", "continue") }
func TestGuardKeepsGuardingOnPromote(t *testing.T)   { guardRuns(t, "ctl-promote", "promote") }
func TestGuardKeepsGuardingOnInconclusive(t *testing.T) {
	guardRuns(t, "ctl-inconclusive", "inconclusive")
}

func guardRuns(t *testing.T, releaseID, decision string) {
	if d := fx.Decision(t, releaseID); d != decision {
		t.Fatalf("fixture: %s is %s, not %s", releaseID, d, decision)
	}
	key := startRun(t, "release-health-guard", releaseID, runOptions{})
	run := waitFor(t, key, 30*time.Second, "first measurement", firstMeasured)
	m := run.Status.MetricResults[0].Measurements[0]
	if m.Phase != v1alpha1.AnalysisPhaseSuccessful || valueOf(m) != decision {
		t.Fatalf("guard measurement on %s: phase %s value %q (%s), want Successful %q", releaseID, m.Phase, m.Value, m.Message, decision)
	}
	// it is still running a moment later: the rollout ends it, not a count
	time.Sleep(2 * time.Second)
	if run = get(t, key); run.Status.Phase.Completed() {
		t.Fatalf("guard on %s completed (%s: %s): a finished background run leaves the rest of the rollout unguarded", decision, run.Status.Phase, run.Status.Message)
	}
}

// The last step passes only on promote.
func TestPromotionStepPassesOnPromote(t *testing.T) {
	if fx.Decision(t, "ctl-promote") != "promote" {
		t.Fatal("fixture: ctl-promote did not promote")
	}
	run := waitFor(t, startRun(t, "release-health-promotion", "ctl-promote", runOptions{}), 30*time.Second, "step completes", completed)
	if run.Status.Phase != v1alpha1.AnalysisPhaseSuccessful {
		t.Fatalf("promotion step on promote: %s (%s)", run.Status.Phase, run.Status.Message)
	}
}

// Inconclusive at the window's end — harm not ruled out, or no data at all — pauses the rollout
// (an Inconclusive run), never passes.
func TestPromotionStepPausesOnInconclusive(t *testing.T) { promotionPauses(t, "ctl-inconclusive") }
func TestPromotionStepPausesWithoutData(t *testing.T)    { promotionPauses(t, "ctl-nodata") }

func promotionPauses(t *testing.T, releaseID string) {
	if d := fx.Decision(t, releaseID); d != "inconclusive" {
		t.Fatalf("fixture: %s is %s, not inconclusive", releaseID, d)
	}
	run := waitFor(t, startRun(t, "release-health-promotion", releaseID, runOptions{}), 30*time.Second, "step completes", completed)
	if run.Status.Phase != v1alpha1.AnalysisPhaseInconclusive || !strings.Contains(run.Status.Message, "inconclusive (1) > inconclusiveLimit (0)") {
		t.Fatalf("promotion step on %s: %s (%s), want Inconclusive", releaseID, run.Status.Phase, run.Status.Message)
	}
}

// continue (still observing, a new release, a release without data yet) keeps the step waiting;
// so do rollback and reduce-traffic (the guard aborts the rollout on those): never a pass.
func TestPromotionStepWaitsOnContinue(t *testing.T)     { promotionWaits(t, "ctl-continue") }
func TestPromotionStepWaitsNewRelease(t *testing.T)     { promotionWaits(t, "ctl-new") }
func TestPromotionStepWaitsWithoutData(t *testing.T)    { promotionWaits(t, "ctl-nodata-young") }
func TestPromotionStepNeverPassesRollback(t *testing.T) { promotionWaits(t, "ctl-rollback") }
func TestPromotionStepNeverPassesReduce(t *testing.T)   { promotionWaits(t, "ctl-reduce") }

func promotionWaits(t *testing.T, releaseID string) {
	decision := fx.Decision(t, releaseID)
	key := startRun(t, "release-health-promotion", releaseID, runOptions{})
	run := waitFor(t, key, 30*time.Second, "first measurement", firstMeasured)
	if m := run.Status.MetricResults[0].Measurements[0]; valueOf(m) != decision || m.Phase != v1alpha1.AnalysisPhaseFailed {
		t.Fatalf("promotion step on %s: measurement %s %q, want Failed %q (ignored: failureLimit -1)", releaseID, m.Phase, m.Value, decision)
	}
	time.Sleep(2 * time.Second)
	if run = get(t, key); run.Status.Phase.Completed() {
		t.Fatalf("promotion step on %s (%s) completed: %s (%s)", releaseID, decision, run.Status.Phase, run.Status.Message)
	}
}

// A superseded release (a newer release of the same service, environment and tenant was
// registered) is no longer judged and was never promoted: the gate answers inconclusive whatever
// its engine last decided, so an old run still polling it never passes the promotion step (its
// engine had reached promote) and never fails a guard (its engine had reached rollback: failing
// would abort the rollout, which now carries the newer release).
func TestSupersededPromoteNeverPassesPromotionStep(t *testing.T) {
	superseded(t, "ctl-sup-promote-old", "promote", "ctl-sup-promote-new")
	promotionPauses(t, "ctl-sup-promote-old")
}

func TestSupersededRollbackDoesNotFailTheGuard(t *testing.T) {
	superseded(t, "ctl-sup-old", "rollback", "ctl-sup-new")
	guardRuns(t, "ctl-sup-old", "inconclusive")
}

func superseded(t *testing.T, old, judged, newer string) {
	t.Helper()
	if fx.Judged[old] != judged || fx.Decision(t, old) != "inconclusive" || fx.Decision(t, newer) != "continue" {
		t.Fatalf("fixture: %s judged %q answers %q, %s answers %q; want %s judged, inconclusive answered, the newer continue",
			old, fx.Judged[old], fx.Decisions[old], newer, fx.Decisions[newer], judged)
	}
}

// A token the gate does not know: 401, a measurement Error (not a decision).
func TestBadTokenIsAnError(t *testing.T) {
	key := startRun(t, "release-health-guard", "ctl-continue", runOptions{namespace: wrongNamespace})
	run := waitFor(t, key, 30*time.Second, "first measurement", firstMeasured)
	m := run.Status.MetricResults[0].Measurements[0]
	if m.Phase != v1alpha1.AnalysisPhaseError || !strings.Contains(m.Message, "401") {
		t.Fatalf("bad token: measurement %s (%s), want Error with 401", m.Phase, m.Message)
	}
}

// The gate unreachable: Errors retried every 10 s; the 5th in a row (consecutiveErrorLimit 4)
// errors the run — about 40 s after the first, and not before.
func TestGateDownErrorsAfterFiveConsecutiveErrors(t *testing.T) {
	closed := gatefixture.ClosedOrigin(t)
	start := time.Now()
	key := startRun(t, "release-health-guard", "ctl-continue", runOptions{origin: closed})
	run := waitFor(t, key, 90*time.Second, "guard errors", completed)
	took := time.Since(start)
	result := run.Status.MetricResults[0]
	if run.Status.Phase != v1alpha1.AnalysisPhaseError || result.ConsecutiveError != 5 || !strings.Contains(run.Status.Message, "consecutiveErrors (5) > consecutiveErrorLimit (4)") {
		t.Fatalf("gate down: %s, consecutive errors %d (%s)", run.Status.Phase, result.ConsecutiveError, run.Status.Message)
	}
	if took < 35*time.Second || took > 80*time.Second {
		t.Fatalf("gate down: the run errored after %s; Argo retries errors every 10 s, so ~40 s was expected", took)
	}
	t.Logf("gate down: Error after %s and %d consecutive errors", took.Round(time.Second), result.ConsecutiveError)
}

// An unregistered release is a 404: an error, never a decision.
func TestUnknownReleaseIsAnError(t *testing.T) {
	key := startRun(t, "release-health-guard", "ctl-never-registered", runOptions{})
	run := waitFor(t, key, 30*time.Second, "first measurement", firstMeasured)
	if m := run.Status.MetricResults[0].Measurements[0]; m.Phase != v1alpha1.AnalysisPhaseError || !strings.Contains(m.Message, "404") {
		t.Fatalf("unknown release: measurement %s (%s), want Error with 404", m.Phase, m.Message)
	}
}
