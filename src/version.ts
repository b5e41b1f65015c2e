// latentkit's version, recorded in every run it trains (keep it equal to package.json's).
export const VERSION = '0.1.0';
