//! The page's structure above the sections: every element that holds pieces of several
//! units (a `<main>` around all but the header and footer, a page-wide `<div id="page">`, a
//! giant block split into parts) becomes a wrapper, rendered once around them; everything
//! else belongs to exactly one unit, which keeps copies of its own ancestors below its
//! wrapper. So the clone's DOM has each element of the original once, where it was.
//!
//! This is the reusable step: given units as pieces of one DOM, [`arrange`] finds the wrappers
//! and the place of every unit among them.

use std::collections::{HashMap, HashSet};

use replica_core::{DomElement, DomNode, SectionKind};

use crate::units::{self, Anchor, Unit};

/// Document position: an element's id `(id, 0)`; text right after the element before it
/// `(last id before it, 1)`.
type Key = (u32, u32);

/// Where a stray with no unit beside it sits: its container and what comes before it there.
type Gap = (u32, Option<Key>);

/// A piece of a unit where it sits in the page: a whole element, or a text.
#[derive(Debug, Clone)]
pub(crate) struct Leaf {
    pub key: Key,
    /// Ids of the elements strictly between `<body>` and the piece, outermost first.
    pub path: Vec<u32>,
    pub node: DomNode,
}

/// A stray that does not stand on its own, waiting for the unit beside it.
#[derive(Debug)]
pub(crate) struct Pending {
    pub key: Key,
    pub piece: PendingPiece,
}

#[derive(Debug)]
pub(crate) enum PendingPiece {
    Element(Box<DomElement>),
    /// Text straight inside the element `parent` (an element that holds sections).
    Text {
        parent: u32,
        text: String,
    },
}

/// The units in document order, each at one place of the outline.
#[derive(Debug, Default)]
pub(crate) struct Arranged {
    pub units: Vec<Unit>,
    /// The id of the element each unit sits in (`None`: `<body>`), by unit index.
    pub containers: Vec<Option<u32>>,
    pub outline: Vec<Node>,
}

/// One place of the outline: a unit by index, or an element around several.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    Unit(usize),
    Wrapper { id: u32, children: Vec<Node> },
}

/// Places every unit and stray: strays go to the unit beside them (the one that owns their
/// ancestors, else the unit before or after them in the same element); strays with no unit
/// beside them (between two wrappers) become units of their own. A unit whose pieces fall in
/// several places (a split part holding hidden siblings of the block it descends into) is
/// split into one unit per place.
pub(crate) fn arrange(body: &DomElement, units: Vec<Unit>, pending: Vec<Pending>) -> Arranged {
    let mut leaves: Vec<Vec<Leaf>> = units
        .iter()
        .map(|unit| {
            let mut out = Vec::new();
            for root in &unit.roots {
                leaves_of(body, root, &mut out);
            }
            out
        })
        .collect();
    let shared = shared_ids(&leaves);
    let slots = Slots::new(body, &leaves, &shared);
    let mut orphans: Vec<(Gap, Vec<Leaf>)> = Vec::new();
    for stray in pending {
        let leaf = pending_leaf(body, stray);
        match slots.target(&leaf) {
            Target::Unit(unit) => leaves[unit].push(leaf),
            Target::Orphan(gap) => match orphans.last_mut() {
                Some((last, group)) if *last == gap => group.push(leaf),
                _ => orphans.push((gap, vec![leaf])),
            },
        }
    }
    let mut all: Vec<(Unit, Vec<Leaf>)> = units.into_iter().zip(leaves).collect();
    for (_, group) in orphans {
        if group.iter().all(renders_nothing) {
            continue;
        }
        all.push((piece_unit(&group), group));
    }
    for (_, group) in &mut all {
        group.sort_by_key(|leaf| leaf.key);
    }
    all.sort_by_key(|(_, group)| group.first().map_or((u32::MAX, 0), |leaf| leaf.key));
    build(body, all, &shared)
}

/// The leaves of one root: the root itself when it is the page's element as captured, else
/// (a copy holding some of the element's children) the leaves of what it holds.
fn leaves_of(body: &DomElement, root: &DomElement, out: &mut Vec<Leaf>) {
    let whole = root.id != body.id && body.find(root.id).is_some_and(|real| real == root);
    if whole {
        out.push(Leaf {
            key: (root.id, 0),
            path: outer_path(body, root.id),
            node: DomNode::Element(root.clone()),
        });
        return;
    }
    let mut path = outer_path(body, root.id);
    if root.id != body.id {
        path.push(root.id);
    }
    let mut after = root.id;
    for child in &root.children {
        match child {
            DomNode::Element(child) => {
                after = last_id(child);
                leaves_of(body, child, out);
            }
            DomNode::Text(_) => out.push(Leaf {
                key: (after, 1),
                path: path.clone(),
                node: child.clone(),
            }),
        }
    }
}

fn pending_leaf(body: &DomElement, stray: Pending) -> Leaf {
    match stray.piece {
        PendingPiece::Element(element) => Leaf {
            key: stray.key,
            path: outer_path(body, element.id),
            node: DomNode::Element(*element),
        },
        PendingPiece::Text { parent, text } => {
            let mut path = outer_path(body, parent);
            if parent != body.id {
                path.push(parent);
            }
            Leaf {
                key: stray.key,
                path,
                node: DomNode::Text(text),
            }
        }
    }
}

/// Ids of the elements strictly between `<body>` and the element `id`, outermost first (empty
/// for `<body>` itself and for an id the body does not hold).
pub(crate) fn outer_path(body: &DomElement, id: u32) -> Vec<u32> {
    let Some(path) = crate::path(body, id) else {
        return Vec::new();
    };
    path.get(1..path.len().saturating_sub(1))
        .map(<[u32]>::to_vec)
        .unwrap_or_default()
}

/// The largest id in a subtree (its last element in document order).
pub(crate) fn last_id(element: &DomElement) -> u32 {
    element
        .child_elements()
        .last()
        .map_or(element.id, last_id)
        .max(element.id)
}

/// Ids on the paths of two units or more: the elements that become wrappers.
fn shared_ids(units: &[Vec<Leaf>]) -> HashSet<u32> {
    let mut seen: HashMap<u32, usize> = HashMap::new();
    let mut shared = HashSet::new();
    for (index, leaves) in units.iter().enumerate() {
        for id in leaves.iter().flat_map(|leaf| &leaf.path) {
            match seen.insert(*id, index) {
                Some(other) if other != index => {
                    shared.insert(*id);
                }
                _ => {}
            }
        }
    }
    shared
}

/// Where a piece sits: the innermost wrapper on its path (`None`: `<body>`) and the rest of
/// the path below it.
fn split_path<'p>(path: &'p [u32], shared: &HashSet<u32>) -> (Option<u32>, &'p [u32]) {
    match path.iter().rposition(|id| shared.contains(id)) {
        Some(index) => (Some(path[index]), &path[index + 1..]),
        None => (None, path),
    }
}

/// The key of what a piece puts straight into its container: its outermost own ancestor, or
/// itself.
fn top_key(leaf: &Leaf, below: &[u32]) -> Key {
    below.first().map_or(leaf.key, |id| (*id, 0))
}

enum Target {
    Unit(usize),
    /// No unit beside it.
    Orphan(Gap),
}

/// What each container holds straight inside: units' pieces and wrappers, by key.
struct Slots<'a> {
    shared: &'a HashSet<u32>,
    /// Unit owning each non-shared element on the paths.
    owners: HashMap<u32, usize>,
    /// Container (`u32::MAX`: `<body>`) -> (key, unit or `None` for a wrapper), sorted.
    items: HashMap<u32, Vec<(Key, Option<usize>)>>,
}

const BODY: u32 = u32::MAX;

impl<'a> Slots<'a> {
    fn new(body: &DomElement, units: &[Vec<Leaf>], shared: &'a HashSet<u32>) -> Slots<'a> {
        let mut owners = HashMap::new();
        let mut items: HashMap<u32, Vec<(Key, Option<usize>)>> = HashMap::new();
        for (index, leaves) in units.iter().enumerate() {
            for leaf in leaves {
                for id in leaf.path.iter().filter(|id| !shared.contains(id)) {
                    owners.insert(*id, index);
                }
                let (container, below) = split_path(&leaf.path, shared);
                items
                    .entry(container.unwrap_or(BODY))
                    .or_default()
                    .push((top_key(leaf, below), Some(index)));
            }
        }
        for id in shared {
            let parent = outer_path(body, *id).last().copied().unwrap_or(BODY);
            items.entry(parent).or_default().push(((*id, 0), None));
        }
        for list in items.values_mut() {
            list.sort();
        }
        Slots {
            shared,
            owners,
            items,
        }
    }

    fn target(&self, leaf: &Leaf) -> Target {
        let (container, below) = split_path(&leaf.path, self.shared);
        if let Some(owner) = below.first().and_then(|id| self.owners.get(id)) {
            return Target::Unit(*owner);
        }
        let container = container.unwrap_or(BODY);
        let list = self
            .items
            .get(&container)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let key = top_key(leaf, below);
        let split = list.partition_point(|(item, _)| *item < key);
        let before = split.checked_sub(1).map(|index| list[index]);
        match (before, list.get(split)) {
            (Some((_, Some(unit))), _) => Target::Unit(unit),
            (_, Some((_, Some(unit)))) => Target::Unit(*unit),
            _ => Target::Orphan((container, before.map(|(key, _)| key))),
        }
    }
}

/// Whether a group of pieces shows nothing wherever it goes (scripts, whitespace).
fn renders_nothing(leaf: &Leaf) -> bool {
    const UNRENDERED: &[&str] = &[
        "script", "style", "link", "meta", "noscript", "template", "base", "title",
    ];
    match &leaf.node {
        DomNode::Text(text) => text.trim().is_empty(),
        DomNode::Element(element) => UNRENDERED.contains(&element.tag.as_str()),
    }
}

/// A unit made of pieces with no unit of their own (strays between wrappers, the second
/// place of a unit): placed by the rendered, in-flow elements among them.
fn piece_unit(leaves: &[Leaf]) -> Unit {
    let elements: Vec<&DomElement> = leaves
        .iter()
        .filter_map(|leaf| match &leaf.node {
            DomNode::Element(element) => Some(element),
            DomNode::Text(_) => None,
        })
        .collect();
    Unit {
        kind: elements.first().map_or(SectionKind::Content, |first| {
            units::simple_kind(first, false)
        }),
        roots: Vec::new(),
        anchors: elements
            .iter()
            .filter(|element| units::is_placed(element) && !units::is_out_of_flow(element))
            .map(|element| Anchor {
                id: element.id,
                rect: element.rect,
            })
            .collect(),
        pinned: elements
            .iter()
            .any(|element| matches!(element.style("position"), Some("fixed" | "sticky"))),
        primary: leaves.first().map_or(0, |leaf| leaf.key.0),
    }
}

/// What a container holds straight inside: a piece of a unit (under its own ancestor with
/// key `top`), or the wrapper with key `top` (`piece` is `None`).
struct Held {
    top: Key,
    key: Key,
    piece: Option<(usize, Leaf)>,
}

/// The outline and the units in its document order, each unit's roots nested in copies of
/// its own ancestors below its container.
fn build(body: &DomElement, all: Vec<(Unit, Vec<Leaf>)>, shared: &HashSet<u32>) -> Arranged {
    let mut held: HashMap<u32, Vec<Held>> = HashMap::new();
    let mut originals: Vec<Option<Unit>> = Vec::with_capacity(all.len());
    for (index, (unit, leaves)) in all.into_iter().enumerate() {
        originals.push(Some(unit));
        for leaf in leaves {
            let (container, below) = split_path(&leaf.path, shared);
            let blank = matches!(&leaf.node, DomNode::Text(text) if text.trim().is_empty());
            if blank && below.is_empty() {
                // Whitespace straight in a wrapper, between the sections' blocks: it renders
                // nothing there, and as a box of its own it would start a section.
                continue;
            }
            let top = top_key(&leaf, below);
            let key = leaf.key;
            held.entry(container.unwrap_or(BODY))
                .or_default()
                .push(Held {
                    top,
                    key,
                    piece: Some((index, leaf)),
                });
        }
    }
    for id in shared {
        let parent = outer_path(body, *id).last().copied().unwrap_or(BODY);
        held.entry(parent).or_default().push(Held {
            top: (*id, 0),
            key: (*id, 0),
            piece: None,
        });
    }
    for list in held.values_mut() {
        list.sort_by_key(|item| (item.top, item.key));
    }
    let mut arranged = Arranged::default();
    let outline = place_in(body, BODY, &mut held, &mut originals, &mut arranged);
    arranged.outline = outline;
    arranged
}

fn place_in(
    body: &DomElement,
    container: u32,
    held: &mut HashMap<u32, Vec<Held>>,
    originals: &mut [Option<Unit>],
    arranged: &mut Arranged,
) -> Vec<Node> {
    let items = held.remove(&container).unwrap_or_default();
    let mut nodes = Vec::new();
    let mut run: Option<(usize, Vec<Leaf>)> = None;
    let flush = |run: &mut Option<(usize, Vec<Leaf>)>,
                 nodes: &mut Vec<Node>,
                 originals: &mut [Option<Unit>],
                 arranged: &mut Arranged| {
        if let Some((unit, leaves)) = run.take() {
            let mut placed = originals[unit]
                .take()
                .unwrap_or_else(|| piece_unit(&leaves));
            let inside = (container != BODY).then_some(container);
            placed.roots = nest(body, inside, leaves);
            nodes.push(Node::Unit(arranged.units.len()));
            arranged.units.push(placed);
            arranged.containers.push(inside);
        }
    };
    for item in items {
        match item.piece {
            Some((unit, leaf)) => match &mut run {
                Some((current, leaves)) if *current == unit => leaves.push(leaf),
                _ => {
                    flush(&mut run, &mut nodes, originals, arranged);
                    run = Some((unit, vec![leaf]));
                }
            },
            None => {
                flush(&mut run, &mut nodes, originals, arranged);
                let id = item.top.0;
                let children = place_in(body, id, held, originals, arranged);
                nodes.push(Node::Wrapper { id, children });
            }
        }
    }
    flush(&mut run, &mut nodes, originals, arranged);
    nodes
}

/// A unit's leaves (in document order) nested in copies of their ancestors below `container`;
/// consecutive leaves with the same ancestor share one copy. Text straight in the container
/// becomes a plain `<span>`, the anonymous box the browser made of it.
fn nest(body: &DomElement, container: Option<u32>, leaves: Vec<Leaf>) -> Vec<DomElement> {
    let items: Vec<(Vec<u32>, DomNode)> = leaves
        .into_iter()
        .map(|leaf| {
            let below = match container {
                Some(id) => match leaf.path.iter().position(|step| *step == id) {
                    Some(index) => leaf.path[index + 1..].to_vec(),
                    None => Vec::new(),
                },
                None => leaf.path,
            };
            (below, leaf.node)
        })
        .collect();
    let anonymous = body.find(container.unwrap_or(body.id)).unwrap_or(body);
    group(body, items)
        .into_iter()
        .map(|node| match node {
            DomNode::Element(element) => element,
            text @ DomNode::Text(_) => DomElement {
                id: anonymous.id,
                tag: "span".to_string(),
                rect: anonymous.rect,
                children: vec![text],
                ..DomElement::default()
            },
        })
        .collect()
}

fn group(body: &DomElement, items: Vec<(Vec<u32>, DomNode)>) -> Vec<DomNode> {
    let mut out = Vec::new();
    let mut items = items.into_iter().peekable();
    while let Some((below, node)) = items.next() {
        let Some((&head, rest)) = below.split_first() else {
            out.push(node);
            continue;
        };
        let mut run = vec![(rest.to_vec(), node)];
        while let Some((next, _)) = items.peek() {
            if next.first() != Some(&head) {
                break;
            }
            if let Some((next, node)) = items.next() {
                run.push((next[1..].to_vec(), node));
            }
        }
        let children = group(body, run);
        match body.find(head) {
            Some(ancestor) => out.push(DomNode::Element(units::copy_with(ancestor, children))),
            None => out.extend(children),
        }
    }
    out
}
