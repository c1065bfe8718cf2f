using System;
using System.Collections.Generic;
using System.Linq;
using KinesisXAcct.Decoding;
using KinesisXAcct.Kinesis;

namespace KinesisXAcct.Reading
{
    /// <summary>
    /// Decides which shards to read and when, following their lineage: a shard starts only after
    /// every parent it has in scope was read to its end, so a partition key's records come out in
    /// order across a split or merge. Children reported at a parent's end join the scope.
    /// Not thread-safe: driven by the one task that runs the read.
    /// </summary>
    public sealed class ShardSchedule
    {
        private readonly Dictionary<string, Node> _nodes = new Dictionary<string, Node>(StringComparer.Ordinal);

        /// <param name="listed">Every shard ListShards returned.</param>
        /// <param name="selected">Shards the caller asked for; null for all.</param>
        /// <param name="openOnly">Start from open shards only (reading from LATEST: a closed shard has nothing new).</param>
        /// <param name="finished">Closed shards an earlier run read to their end: done already, their children join the scope.</param>
        public ShardSchedule(IEnumerable<ShardDescription> listed, ICollection<string> selected, bool openOnly, ICollection<string> finished = null)
        {
            foreach (ShardDescription shard in listed)
            {
                _nodes[shard.ShardId] = new Node(shard.ShardId, Parents(shard.ParentShardId, shard.AdjacentParentShardId))
                {
                    IsClosed = shard.EndingSequenceNumber != null,
                    HashKeyRange = Decoding.HashKeyRange.FromShard(shard),
                };
            }

            if (selected != null)
            {
                string[] unknown = selected.Where(id => !_nodes.ContainsKey(id)).ToArray();
                if (unknown.Length > 0) UnknownShards = unknown;
            }

            foreach (Node node in _nodes.Values)
            {
                bool wanted = selected != null ? selected.Contains(node.ShardId) : !(openOnly && node.IsClosed);
                if (wanted)
                {
                    node.InScope = true;
                    node.IsInitial = true;
                }
            }

            foreach (string shardId in finished ?? (ICollection<string>)Array.Empty<string>())
            {
                if (!_nodes.TryGetValue(shardId, out Node done)) continue;
                done.InScope = true;
                done.IsInitial = false;
                done.Started = true;
                MarkFinished(shardId, reachedEnd: true, reportedChildren: null);
            }
        }

        /// <summary>The shard's hash key range when known (listing or ChildShards), for dropping KPL user records of other shards.</summary>
        public HashKeyRange? HashKeyRangeOf(string shardId) => _nodes.TryGetValue(shardId, out Node n) ? n.HashKeyRange : null;

        /// <summary>Selected shard ids that ListShards did not return (the caller reports them).</summary>
        public IReadOnlyList<string> UnknownShards { get; } = Array.Empty<string>();

        public IEnumerable<string> InScope => _nodes.Values.Where(n => n.InScope).Select(n => n.ShardId);

        /// <summary>True for shards in scope from the start (they use the caller's start position).</summary>
        public bool IsInitial(string shardId) => _nodes.TryGetValue(shardId, out Node n) && n.IsInitial;

        /// <summary>Closed when listed: such a shard is read to its end even without -Follow.</summary>
        public bool IsKnownClosed(string shardId) => _nodes.TryGetValue(shardId, out Node n) && n.IsClosed;

        /// <summary>Shards in scope, not started, whose in-scope parents have all reached their end. Marks them started.</summary>
        public List<string> TakeReady()
        {
            var ready = new List<string>();
            foreach (Node node in _nodes.Values.OrderBy(n => n.ShardId, StringComparer.Ordinal))
            {
                if (!node.InScope || node.Started) continue;
                if (node.Parents.All(ParentIsDone))
                {
                    node.Started = true;
                    ready.Add(node.ShardId);
                }
            }

            return ready;
        }

        /// <summary>
        /// Records that a shard stopped. At the end of a closed shard, its children (reported by
        /// GetRecords, or known from the listing) join the scope.
        /// </summary>
        public void MarkFinished(string shardId, bool reachedEnd, IEnumerable<ChildShard> reportedChildren)
        {
            Node node = _nodes[shardId];
            node.Finished = true;
            node.ReachedEnd = reachedEnd;
            if (!reachedEnd) return;

            foreach (ChildShard child in reportedChildren ?? Enumerable.Empty<ChildShard>())
            {
                if (!_nodes.TryGetValue(child.ShardId, out Node known))
                {
                    known = new Node(child.ShardId, child.ParentShards.Count > 0 ? child.ParentShards.ToArray() : new[] { shardId })
                    {
                        HashKeyRange = Decoding.HashKeyRange.FromShard(new ShardDescription { StartingHashKey = child.StartingHashKey, EndingHashKey = child.EndingHashKey }),
                    };
                    _nodes[child.ShardId] = known;
                }

                known.InScope = true;
            }

            foreach (Node listedChild in _nodes.Values.Where(n => n.Parents.Contains(shardId)))
                listedChild.InScope = true;
        }

        private bool ParentIsDone(string parentId)
        {
            // A parent that expired out of retention, or that the caller did not select, does not hold a child back.
            if (!_nodes.TryGetValue(parentId, out Node parent) || !parent.InScope) return true;
            return parent.Finished && parent.ReachedEnd;
        }

        private static string[] Parents(string parent, string adjacent) =>
            new[] { parent, adjacent }.Where(p => !string.IsNullOrEmpty(p)).ToArray();

        private sealed class Node
        {
            public Node(string shardId, string[] parents)
            {
                ShardId = shardId;
                Parents = parents;
            }

            public string ShardId { get; }
            public string[] Parents { get; }
            public bool IsClosed { get; set; }
            public bool InScope { get; set; }
            public bool IsInitial { get; set; }
            public bool Started { get; set; }
            public bool Finished { get; set; }
            public bool ReachedEnd { get; set; }
            public HashKeyRange? HashKeyRange { get; set; }
        }
    }
}
