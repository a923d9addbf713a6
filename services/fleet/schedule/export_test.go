package schedule

// Next exposes next to tests.
var Next = next
