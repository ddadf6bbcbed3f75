"""Complaints from the public about a force's use of facial recognition: filed without an account, triaged by
the oversight body, answered by the force, each step audited and each deadline a policy setting."""
