// Package asklog keeps the record of asked questions, so maintainers can see
// which questions the knowledge base does not answer well and write the
// runbook that is missing.
//
// The model: every Ask appends one [Record] (question, language, cluster,
// where it came from, the answer entry ids with their confidence, or the
// refusal reason) to the JetStream stream KUBEMEDIC_ASKS under
// [AskSubject]. A person who rates an answer in Slack appends a [Feedback]
// under [FeedbackSubject], pointing at the ask by its record id. The stream
// is bounded (file storage; maximum age, messages and bytes from config;
// oldest messages discarded first), so the log forgets on its own.
//
// Recording never slows or fails an Ask: [Recorder.RecordAsk] only puts the
// record into a bounded buffer that one goroutine publishes from; when the
// buffer is full the record is dropped and counted ([Recorder.Dropped]).
//
// Storage format: an ask message is JSON Lines, one Record a line, each
// line ending in a newline. The publishing goroutine takes the next record
// and every other record already waiting, at most 256 records and 48 KiB,
// and publishes them as one message whose JetStream message id is the first
// record's (a retried publish is stored once). It never waits to fill a
// batch: a lone record is a one-line message at once; under load, the
// records that arrive during one publish's round trip make the next
// message. Messages written before batching hold one record without a
// newline and read the same; a line that does not decode is counted as
// malformed ([Report.Malformed]) and the rest of its message is read. A
// Feedback message is one JSON object.
//
// [Gaps] reads the stream back from a point in time and returns the questions
// that were refused, answered with low confidence or rated unhelpful,
// grouped by similarity of their analyzed terms (the knowledge base's own
// analyzer, services/knowledge/analysis), largest group first: the list of
// runbooks to write next.
//
// Personal data: the only personal field is the Slack user id, when the
// question came from Slack. Retention is the stream's maximum age.
package asklog
