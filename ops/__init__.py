"""meeshy-ops: migrate Meeshy's legacy MongoDB to the Prisma shape, and prove nothing was lost."""
