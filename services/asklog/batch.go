package asklog

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Bounds of one ask message. A batch is cut at whichever comes first; both
// keep a message well under the stream's MaxMsgSize (maxMsgSize) with room
// for its headers. The largest record RecordAsk can make (a question of
// knowledge.MaxQuestionLength characters, each escaped to six bytes) is
// about 12 KiB, so a record from a well-formed request always fits alone.
const (
	maxBatchRecords = 256
	maxBatchBytes   = 48 << 10
)

// batch is the JSON Lines payload of one ask message being assembled: one
// Record per line, each line ending in a newline.
type batch struct {
	buf     bytes.Buffer
	enc     *json.Encoder // writes into line
	line    bytes.Buffer  // the record being encoded
	firstID string        // the message id: the first record's id
	n       int           // records in buf
}

func newBatch() *batch {
	b := &batch{}
	b.enc = json.NewEncoder(&b.line)
	return b
}

// encode turns rec into its line (with the newline). It fails when rec
// cannot be encoded or would not fit in a message even alone.
func (b *batch) encode(rec Record) ([]byte, error) {
	b.line.Reset()
	if err := b.enc.Encode(rec); err != nil {
		return nil, err
	}
	if n := b.line.Len(); n > maxBatchBytes {
		b.line = bytes.Buffer{} // do not keep the oversized record's space
		return nil, fmt.Errorf("record is %d bytes encoded, more than the %d bytes of one message", n, maxBatchBytes)
	}
	return b.line.Bytes(), nil
}

// fits says whether a line of n bytes can join the batch.
func (b *batch) fits(n int) bool {
	return b.n < maxBatchRecords && b.buf.Len()+n <= maxBatchBytes
}

// add appends a line made by encode for the record with the given id.
func (b *batch) add(id string, line []byte) {
	if b.n == 0 {
		b.firstID = id
	}
	b.buf.Write(line)
	b.n++
}

func (b *batch) reset() {
	b.buf.Reset()
	b.firstID = ""
	b.n = 0
}
