using System;
using System.Collections.Generic;
using System.Linq;

namespace KinesisXAcct.Sessions
{
    /// <summary>The sessions of one runspace, by name, and which one is current (the last connected).</summary>
    public sealed class SessionRegistry
    {
        private readonly object _gate = new object();
        private readonly Dictionary<string, KinesisRoleSession> _sessions = new Dictionary<string, KinesisRoleSession>(StringComparer.OrdinalIgnoreCase);
        private string _currentName;

        public KinesisRoleSession Current
        {
            get
            {
                lock (_gate)
                    return _currentName != null && _sessions.TryGetValue(_currentName, out KinesisRoleSession s) ? s : null;
            }
        }

        /// <summary>Keeps the session under its name (replacing an older one) and makes it current.</summary>
        public void Add(KinesisRoleSession session)
        {
            lock (_gate)
            {
                _sessions[session.Name] = session;
                _currentName = session.Name;
            }
        }

        public KinesisRoleSession Find(string name)
        {
            lock (_gate)
                return _sessions.TryGetValue(name, out KinesisRoleSession s) ? s : null;
        }

        public IReadOnlyList<KinesisRoleSession> All()
        {
            lock (_gate)
                return _sessions.Values.OrderBy(s => s.Name, StringComparer.OrdinalIgnoreCase).ToList();
        }

        /// <summary>Forgets a session; if it was current, no session is current afterwards.</summary>
        public bool Remove(string name)
        {
            lock (_gate)
            {
                if (!_sessions.Remove(name)) return false;
                if (string.Equals(_currentName, name, StringComparison.OrdinalIgnoreCase)) _currentName = null;
                return true;
            }
        }

        public void Clear()
        {
            lock (_gate)
            {
                _sessions.Clear();
                _currentName = null;
            }
        }
    }
}
