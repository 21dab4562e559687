//! The analysis budget of one Python file: how much parsing, walking,
//! constant building and fact recording one source (its decoded payloads
//! included) may cost. A breach stops that part of the analysis, keeps
//! what was found before it, and leaves a note (AY401), never a crash.

use std::cell::Cell;

use super::AnalysisNote;

/// Limits on the analysis of one Python file, its decoded payloads
/// included. The defaults keep one file under about 1 GiB of memory and
/// seconds of time whatever its shape, and are far above what ordinary or
/// generated code needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[non_exhaustive]
pub struct AnalysisLimits {
    /// Tokens handed to the parser (counted before parsing). The parsed
    /// tree costs about 100 bytes per token (10M lines of `x=1` were 95
    /// times their size in memory): the source past this many tokens is
    /// not parsed, and only its strings are read, as text.
    pub max_parse_tokens: usize,
    /// Syntax nodes the walker visits, re-walks of function bodies and
    /// unrolled loops included; past it the rest of the file is not walked.
    pub max_walk_nodes: usize,
    /// Bytes of string, bytes and list constants built by evaluation
    /// (literals are not counted: the source bounds them). Past it, built
    /// values are unknown.
    pub max_constant_bytes: usize,
    /// Facts recorded: calls, strings, imports, payloads, calls of local
    /// functions and stores into `self`.
    pub max_facts: usize,
}

impl Default for AnalysisLimits {
    fn default() -> Self {
        AnalysisLimits {
            max_parse_tokens: 4_000_000,
            max_walk_nodes: 10_000_000,
            max_constant_bytes: 128 * 1024 * 1024,
            max_facts: 200_000,
        }
    }
}

/// What is left of one file's budget, shared by the walks of the file and
/// of its payloads (interior mutability: the walker of a payload runs
/// while the walker that decoded it still holds the budget).
#[derive(Debug)]
pub(super) struct Budget {
    limits: AnalysisLimits,
    tokens: Cell<usize>,
    nodes: Cell<usize>,
    constant_bytes: Cell<usize>,
    facts: Cell<usize>,
    /// The line from which the file's own source was not parsed.
    unparsed_from: Cell<Option<u32>>,
    tokens_out: Cell<bool>,
    nodes_out: Cell<bool>,
    constants_out: Cell<bool>,
    facts_out: Cell<bool>,
}

impl Budget {
    pub(super) fn new(limits: AnalysisLimits) -> Self {
        Budget {
            limits,
            tokens: Cell::new(0),
            nodes: Cell::new(0),
            constant_bytes: Cell::new(0),
            facts: Cell::new(0),
            unparsed_from: Cell::new(None),
            tokens_out: Cell::new(false),
            nodes_out: Cell::new(false),
            constants_out: Cell::new(false),
            facts_out: Cell::new(false),
        }
    }

    /// Tokens the parser may still be handed.
    pub(super) fn tokens_left(&self) -> usize {
        self.limits
            .max_parse_tokens
            .saturating_sub(self.tokens.get())
    }

    /// Spends `tokens` on a parse; `unparsed_line` is set when part of the
    /// source was left out for the budget (the line it starts at, for the
    /// file's own source).
    pub(super) fn parsed(&self, tokens: usize, cut: bool, unparsed_line: Option<u32>) {
        self.tokens.set(self.tokens.get().saturating_add(tokens));
        if cut {
            self.tokens_out.set(true);
            if unparsed_line.is_some() && self.unparsed_from.get().is_none() {
                self.unparsed_from.set(unparsed_line);
            }
        }
    }

    /// Spends one visited node; false once the budget is spent.
    pub(super) fn visit(&self) -> bool {
        let nodes = self.nodes.get();
        if nodes >= self.limits.max_walk_nodes {
            self.nodes_out.set(true);
            return false;
        }
        self.nodes.set(nodes + 1);
        true
    }

    /// Spends `bytes` of built constants; false (and nothing spent) when
    /// they do not fit.
    pub(super) fn construct(&self, bytes: usize) -> bool {
        let spent = self.constant_bytes.get().saturating_add(bytes);
        if spent > self.limits.max_constant_bytes {
            self.constants_out.set(true);
            return false;
        }
        self.constant_bytes.set(spent);
        true
    }

    /// Whether built constants ran past the budget.
    pub(super) fn constants_spent(&self) -> bool {
        self.constants_out.get()
    }

    /// Spends one recorded fact; false once the budget is spent.
    pub(super) fn fact(&self) -> bool {
        let facts = self.facts.get();
        if facts >= self.limits.max_facts {
            self.facts_out.set(true);
            return false;
        }
        self.facts.set(facts + 1);
        true
    }

    /// Facts that may still be recorded.
    pub(super) fn facts_left(&self) -> usize {
        self.limits.max_facts.saturating_sub(self.facts.get())
    }

    /// Marks the fact budget spent (a text pass that had to stop).
    pub(super) fn facts_exhausted(&self) {
        self.facts_out.set(true);
    }

    /// One note per budget breached (what AY401 reports).
    pub(super) fn notes(&self) -> Vec<AnalysisNote> {
        let mut notes = Vec::new();
        if self.tokens_out.get() {
            notes.push(AnalysisNote::TokenBudget {
                budget: self.limits.max_parse_tokens,
                from_line: self.unparsed_from.get(),
            });
        }
        if self.nodes_out.get() {
            notes.push(AnalysisNote::NodeBudget {
                budget: self.limits.max_walk_nodes,
            });
        }
        if self.constants_out.get() {
            notes.push(AnalysisNote::ConstantBudget {
                budget_bytes: self.limits.max_constant_bytes,
            });
        }
        if self.facts_out.get() {
            notes.push(AnalysisNote::FactBudget {
                budget: self.limits.max_facts,
            });
        }
        notes
    }
}
