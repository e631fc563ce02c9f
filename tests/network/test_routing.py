"""Travel times and routes against networkx's Dijkstra, on random and real graphs."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drm.errors import InputError
from drm.network import prepare_roads, road_matrix, route_edges, travel_times


@st.composite
def weighted_multidigraphs(draw, max_nodes: int = 14):
    n = draw(st.integers(2, max_nodes))
    edges = draw(
        st.lists(
            st.tuples(
                st.integers(0, n - 1),
                st.integers(0, n - 1),
                st.one_of(st.just(0.0), st.floats(0.0, 500.0, allow_nan=False), st.integers(0, 20).map(float)),
            ),
            max_size=4 * n,
        )
    )
    G = nx.MultiDiGraph()
    G.add_nodes_from(range(n))
    for u, v, w in edges:
        G.add_edge(u, v, travel_time=w)
    labels = draw(st.sampled_from(["int", "str", "tuple", "shuffled"]))
    if labels == "str":
        G = nx.relabel_nodes(G, {i: f"n{i}" for i in range(n)})
    elif labels == "tuple":  # like networkx's grid graphs
        G = nx.relabel_nodes(G, {i: (i // 4, i % 4) for i in range(n)})
    elif labels == "shuffled":
        perm = draw(st.permutations(range(n)))
        G = nx.relabel_nodes(G, {i: 1000 + 7 * perm[i] for i in range(n)})
    return G


def _nx_times(G, sources, targets, reverse=False):
    H = G.reverse(copy=False) if reverse else G
    out = np.full((len(sources), len(targets)), np.inf)
    for i, s in enumerate(sources):
        dist = nx.single_source_dijkstra_path_length(H, s, weight="travel_time")
        for j, t in enumerate(targets):
            out[i, j] = dist.get(t, np.inf)
    return out


@settings(max_examples=80, deadline=None)
@given(weighted_multidigraphs(), st.data())
def test_travel_times_equal_networkx(G, data):
    nodes = list(G.nodes)
    sources = data.draw(st.lists(st.sampled_from(nodes), min_size=1, max_size=4))
    targets = data.draw(st.lists(st.sampled_from(nodes), min_size=1, max_size=len(nodes)))
    if isinstance(nodes[0], tuple):  # a list of tuple ids must not be read as one node
        assert len(travel_times(G, sources[:1], targets).targets) == len(targets)
    for direction in ("from_sources", "to_sources"):
        tt = travel_times(G, sources, targets, direction=direction)
        ref = _nx_times(G, sources, targets, reverse=direction == "to_sources")
        np.testing.assert_array_equal(np.isinf(tt.time_s), np.isinf(ref))
        np.testing.assert_allclose(tt.time_s[np.isfinite(ref)], ref[np.isfinite(ref)], rtol=1e-12, atol=0)
        assert (tt.time_s >= 0).all()
        # the nearest-source search gives the column minima
        near = travel_times(G, sources, targets, direction=direction, nearest_only=True)
        np.testing.assert_allclose(near.nearest_time_s, ref.min(axis=0), rtol=1e-12)


@settings(max_examples=60, deadline=None)
@given(weighted_multidigraphs(), st.data())
def test_routes_are_paths_of_the_shortest_length(G, data):
    nodes = list(G.nodes)
    source = data.draw(st.sampled_from(nodes))
    tt = travel_times(G, [source])
    for j, target in enumerate(tt.targets):
        route = tt.route(target)
        if not np.isfinite(tt.time_s[0, j]):
            assert route == []
            continue
        assert route[0] == source
        assert route[-1] == target
        legs = route_edges(G, route)
        total = sum(G.edges[e]["travel_time"] for e in legs)
        assert total == pytest.approx(tt.time_s[0, j], rel=1e-12, abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(weighted_multidigraphs(), st.data())
def test_closing_a_road_never_shortens_a_trip(G, data):
    if G.number_of_edges() == 0:
        return
    edges = list(G.edges(keys=True))
    closed = data.draw(st.lists(st.sampled_from(edges), min_size=1, max_size=3, unique=True))
    H = G.copy()
    for e in closed:
        H.edges[e]["travel_time"] = np.inf
    sources = list(G.nodes)[:3]
    before = travel_times(G, sources).time_s
    after = travel_times(H, sources).time_s
    assert (after >= before).all()
    assert road_matrix(H).n_closed == len(closed)


def test_unreachable_is_infinite_not_an_error():
    G = nx.MultiDiGraph()
    G.add_edge(0, 1, travel_time=5.0)
    G.add_node(2)  # isolated
    tt = travel_times(G, [0], [1, 2])
    assert tt.time_s.tolist() == [[5.0, np.inf]]
    assert tt.nearest_source.tolist() == [0, -1]
    assert tt.route(2) == []
    assert tt.to_frame().loc[2, "nearest_source"] is None


def test_matrix_is_reused_and_keeps_the_cheapest_parallel_edge():
    G = nx.MultiDiGraph()
    G.add_edge("a", "b", travel_time=9.0)
    G.add_edge("a", "b", travel_time=4.0)
    G.add_edge("b", "c", travel_time=1.0)
    M = road_matrix(G)
    assert M.n_edges == 3
    assert M.csr.nnz == 2
    tt = travel_times(M, ["a"], ["c"])
    assert tt.time_s[0, 0] == 5.0
    assert tt.matrix is M
    with pytest.raises(InputError, match="holds 'travel_time'"):
        travel_times(M, ["a"], weight="length")


def test_undirected_graphs_go_both_ways():
    G = nx.Graph()
    G.add_edge(0, 1, travel_time=3.0)
    G.add_edge(1, 2, travel_time=4.0)
    assert travel_times(G, [2], [0]).time_s[0, 0] == 7.0


@pytest.mark.parametrize(
    ("value", "match"),
    [(None, "NaN or missing"), ("fast", "not a number"), (-1.0, "negative"), (np.nan, "NaN")],
)
def test_bad_weights_are_named(value, match):
    G = nx.MultiDiGraph()
    G.add_edge(0, 1, travel_time=value)
    with pytest.raises(InputError, match=match):
        road_matrix(G)


def test_missing_weight_and_unknown_node_are_explained():
    G = nx.MultiDiGraph()
    G.add_edge(0, 1, length=10.0)
    with pytest.raises(InputError, match="prepare_roads"):
        road_matrix(G)
    G.edges[0, 1, 0]["travel_time"] = 1.0
    with pytest.raises(InputError, match="not in the road graph"):
        travel_times(G, [5])


def test_grid_roads_against_networkx(grid_roads):
    G = prepare_roads(grid_roads)
    sources = [0, 77, 143]
    tt = travel_times(G, sources)
    ref = _nx_times(G, sources, list(tt.targets))
    np.testing.assert_allclose(tt.time_s, ref, rtol=1e-12)
    near = travel_times(G, sources, nearest_only=True)
    ref_near = nx.multi_source_dijkstra_path_length(G, set(sources), weight="travel_time")
    np.testing.assert_allclose(near.nearest_time_s, [ref_near.get(n, np.inf) for n in near.targets], rtol=1e-12)


@pytest.mark.parametrize("name", ["West-Oakland.osm.bz2", "planet_10.068_48.135_10.071_48.137.osm"])
def test_real_osm_extracts_against_networkx(shared_data, name):
    pytest.importorskip("osmnx")
    from drm.io import read_roads

    path = shared_data / "osm" / name
    if not path.exists():
        pytest.skip(f"{path} not found")
    G = prepare_roads(read_roads(path), "walk")
    nodes = list(G.nodes)
    sources = nodes[:: max(1, len(nodes) // 6)]
    for direction in ("from_sources", "to_sources"):
        tt = travel_times(G, sources, direction=direction)
        ref = _nx_times(G, sources, list(tt.targets), reverse=direction == "to_sources")
        np.testing.assert_array_equal(np.isinf(tt.time_s), np.isinf(ref))
        np.testing.assert_allclose(tt.time_s[np.isfinite(ref)], ref[np.isfinite(ref)], rtol=1e-12)
    # lengths too, on the drive network (one-way streets matter there)
    D = prepare_roads(read_roads(path), "drive")
    tt = travel_times(D, list(D.nodes)[:3], weight="length")
    for i, s in enumerate(tt.sources):
        ref = nx.single_source_dijkstra_path_length(D, s, weight="length")
        got = dict(zip(tt.targets, tt.time_s[i], strict=True))
        assert {k for k, v in got.items() if np.isfinite(v)} == set(ref)
        assert all(got[k] == pytest.approx(v, rel=1e-12) for k, v in ref.items())
