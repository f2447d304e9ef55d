"""Council meetings: the residents' council or committee of an org unit, its agenda, the people
who register and attend, live minutes and decisions followed up to done."""
