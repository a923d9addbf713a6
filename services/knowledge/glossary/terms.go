package glossary

import _ "embed"

// table is the glossary (data/glossary.txt): "concept: variant, variant, ..."
// lines grouped under comments that say what each group is for.
//
//go:embed data/glossary.txt
var table string

// everydayList names the concepts that are ordinary IT vocabulary rather than
// Kubernetes or cloud vocabulary (data/everyday.txt).
//
//go:embed data/everyday.txt
var everydayList string

// clusterList names the concepts that name a part of a Kubernetes cluster
// (data/cluster.txt).
//
//go:embed data/cluster.txt
var clusterList string
